def subscript_write(x):
    y = np.zeros(3)  # line +1; active: y
    x_zero = x[0]  # line +2; active: x, x_zero
    x_zero_times_two = x_zero * 2.0  # line +2; active: x_zero, x_zero_times_two
    y[0] = x_zero_times_two  # line +2; active: x_zero_times_two, y
    x_one = x[1]  # line +3; active: x, x_one
    x_two = x[2]  # line +3; active: x, x_two
    x_one_times_x_two = x_one * x_two  # line +3; active: x_one, x_one_times_x_two, x_two
    y[1] = x_one_times_x_two  # line +3; active: x_one_times_x_two, y
    x_zero_2 = x[0]  # line +4; active: x, x_zero_2
    sin_x_zero_2 = np.sin(x_zero_2)  # line +4; active: sin_x_zero_2, x_zero_2
    y[2] = sin_x_zero_2  # line +4; active: sin_x_zero_2, y
    y_times_y = y * y  # line +5; active: y, y_times_y
    out = np.sum(y_times_y)  # line +5; active: out, y_times_y
    return out  # line +5
