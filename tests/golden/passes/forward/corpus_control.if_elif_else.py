def jvp_if_elif_else(x, *, x_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line +1: if x > 1.0:
    cond = x > 1.0
    if cond:
        # line +2: y = x * x
        y = x * x
        y_dot = x_dot * x + x * x_dot
    else:
        # line +3: elif x > 0.0:
        cond_2 = x > 0.0
        if cond_2:
            # line +4: y = np.sin(x)
            y = np.sin(x)
            y_dot = x_dot * np.cos(x)
        else:
            # line +5: elif x > -1.0:
            cond_3 = x > -1.0
            if cond_3:
                # line +6: y = -x * 3.0
                neg_x = -x
                neg_x_dot = -x_dot
                y = neg_x * 3.0
                y_dot = neg_x_dot * 3.0
            else:
                # line +8: y = np.exp(x)
                y = np.exp(x)
                y_dot = x_dot * y
    # line +9: return y * 2.0
    out = y * 2.0
    out_dot = y_dot * 2.0
    return (out, out_dot)
