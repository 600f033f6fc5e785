def subscript_write(x):
    y = np.zeros(3)  # line +1; shape of y: its own
    x_zero = x[0]  # line +2; shape of x_zero: its own
    x_zero_times_two = x_zero * 2.0  # line +2; shape of x_zero_times_two: broadcast of x_zero
    y[0] = x_zero_times_two  # line +2; shape of y: its own
    x_one = x[1]  # line +3; shape of x_one: its own
    x_two = x[2]  # line +3; shape of x_two: its own
    x_one_times_x_two = x_one * x_two  # line +3; shape of x_one_times_x_two: broadcast of x_one, x_two
    y[1] = x_one_times_x_two  # line +3; shape of y: its own
    x_zero_2 = x[0]  # line +4; shape of x_zero_2: its own
    sin_x_zero_2 = np.sin(x_zero_2)  # line +4; shape of sin_x_zero_2: broadcast of x_zero_2
    y[2] = sin_x_zero_2  # line +4; shape of y: its own
    y_times_y = y * y  # line +5; shape of y_times_y: broadcast of y
    out = np.sum(y_times_y)  # line +5; shape of out: its own
    return out  # line +5
