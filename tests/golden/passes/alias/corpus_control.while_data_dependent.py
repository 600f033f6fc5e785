def while_data_dependent(x):
    y = x  # line +1
    steps = 0  # line +2
    iterations = 0  # line +3
    while y < 10.0:  # line +3
        iterations += 1  # line +3
        y_times_1_7 = y * 1.7  # line +4
        y = y_times_1_7 + 0.3  # line +4
        steps = steps + 1  # line +5
    return y  # line +6
