def jvp_while_data_dependent(x, *, x_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line +1: y = x
    y = x
    y_dot = x_dot
    # line +2: steps = 0
    steps = 0
    # line +3: while y < 10.0:
    while y < 10.0:
        # line +4: y = y * 1.7 + 0.3
        y_times_1_7 = y * 1.7
        y_times_1_7_dot = y_dot * 1.7
        y = y_times_1_7 + 0.3
        y_dot = y_times_1_7_dot
        # line +5: steps = steps + 1
        steps = steps + 1
    return (y, y_dot)
