def subscript_write(x):
    y = np.zeros(3)  # line +1
    x_zero = x[0]  # line +2
    x_zero_times_two = x_zero * 2.0  # line +2
    y[0] = x_zero_times_two  # line +2
    x_one = x[1]  # line +3
    x_two = x[2]  # line +3
    x_one_times_x_two = x_one * x_two  # line +3
    y[1] = x_one_times_x_two  # line +3
    x_zero_2 = x[0]  # line +4
    sin_x_zero_2 = np.sin(x_zero_2)  # line +4
    y[2] = sin_x_zero_2  # line +4
    y_times_y = y * y  # line +5
    out = np.sum(y_times_y)  # line +5
    return out  # line +5
