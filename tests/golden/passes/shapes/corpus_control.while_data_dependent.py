    y = x  # line +1; shape of y: broadcast of x
    steps = 0  # line +2; shape of steps: a scalar's
    iterations = 0  # line +3; shape of iterations: a scalar's
        y_times_1_7 = y * 1.7  # line +4; shape of y_times_1_7: broadcast of x
        y = y_times_1_7 + 0.3  # line +4; shape of y: broadcast of x
        steps = steps + 1  # line +5; shape of steps: a scalar's
