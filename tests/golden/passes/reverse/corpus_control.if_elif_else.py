def grad_if_elif_else(x):
    # forward: the function, one operation per line
    # line +1: if x > 1.0:
    cond = x > 1.0
    if cond:
        # line +2: y = x * x
        y = x * x
    else:
        # line +3: elif x > 0.0:
        cond_2 = x > 0.0
        if cond_2:
            # line +4: y = np.sin(x)
            y = np.sin(x)
        else:
            # line +5: elif x > -1.0:
            cond_3 = x > -1.0
            if cond_3:
                # line +6: y = -x * 3.0
                neg_x = -x
                y = neg_x * 3.0
            else:
                # line +8: y = np.exp(x)
                y = np.exp(x)
    # line +9: return y * 2.0
    out = y * 2.0
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line +9: return y * 2.0
    dy = dout * 2.0
    # line +1: if x > 1.0:
    if cond:
        # line +2: y = x * x
        dx = 2 * (dy * x)
    else:
        # line +3: elif x > 0.0:
        if cond_2:
            # line +4: y = np.sin(x)
            dx = dy * np.cos(x)
        else:
            # line +5: elif x > -1.0:
            if cond_3:
                # line +6: y = -x * 3.0
                dneg_x = dy * 3.0
                dx = -dneg_x
            else:
                # line +8: y = np.exp(x)
                dx = dy * y
    return (out, dx)
