    y = np.zeros(3)  # line +1; ops: rule no gradient
    x_zero = x[0]  # line +2; ops: rule operator.getitem
    x_zero_times_two = x_zero * 2.0  # line +2; ops: rule operator.mul
    y[0] = x_zero_times_two  # line +2; ops: setitem
    x_one = x[1]  # line +3; ops: rule operator.getitem
    x_two = x[2]  # line +3; ops: rule operator.getitem
    x_one_times_x_two = x_one * x_two  # line +3; ops: rule operator.mul
    y[1] = x_one_times_x_two  # line +3; ops: setitem
    x_zero_2 = x[0]  # line +4; ops: rule operator.getitem
    sin_x_zero_2 = np.sin(x_zero_2)  # line +4; ops: rule numpy.sin
    y[2] = sin_x_zero_2  # line +4; ops: setitem
    y_times_y = y * y  # line +5; ops: rule operator.mul
    out = np.sum(y_times_y)  # line +5; ops: rule numpy.sum
    return out  # line +5; ops: effect
