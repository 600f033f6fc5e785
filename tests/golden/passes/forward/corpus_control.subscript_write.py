def jvp_subscript_write(x, *, x_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line +1: y = np.zeros(3)
    y = np.zeros(3)
    y_dot = zero_tangent(y)
    # line +2: y[0] = x[0] * 2.0
    x_zero = x[0]
    x_zero_dot = x_dot[0]
    x_zero_times_two = x_zero * 2.0
    x_zero_times_two_dot = x_zero_dot * 2.0
    y[0] = x_zero_times_two
    y_dot[0] = x_zero_times_two_dot
    # line +3: y[1] = x[1] * x[2]
    x_one = x[1]
    x_one_dot = x_dot[1]
    x_two = x[2]
    x_two_dot = x_dot[2]
    x_one_times_x_two = x_one * x_two
    x_one_times_x_two_dot = x_one_dot * x_two + x_one * x_two_dot
    y[1] = x_one_times_x_two
    y_dot[1] = x_one_times_x_two_dot
    # line +4: y[2] = np.sin(x[0])
    x_zero_2 = x[0]
    x_zero_2_dot = x_dot[0]
    sin_x_zero_2 = np.sin(x_zero_2)
    sin_x_zero_2_dot = x_zero_2_dot * np.cos(x_zero_2)
    y[2] = sin_x_zero_2
    y_dot[2] = sin_x_zero_2_dot
    # line +5: return np.sum(y * y)
    y_times_y = y * y
    y_times_y_dot = y_dot * y + y * y_dot
    out = np.sum(y_times_y)
    out_dot = np.sum(y_times_y_dot, axis=None, keepdims=False)
    return (out, out_dot)
