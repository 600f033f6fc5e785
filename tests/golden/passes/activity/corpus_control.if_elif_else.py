def if_elif_else(x):
    cond = x > 1.0  # line +1
    if cond:  # line +1
        y = x * x  # line +2; active: x, y
    else:
        cond_2 = x > 0.0  # line +3
        if cond_2:  # line +3
            y = np.sin(x)  # line +4; active: x, y
        else:
            cond_3 = x > -1.0  # line +5
            if cond_3:  # line +5
                neg_x = -x  # line +6; active: neg_x, x
                y = neg_x * 3.0  # line +6; active: neg_x, y
            else:
                y = np.exp(x)  # line +8; active: x, y
    out = y * 2.0  # line +9; active: out, y
    return out  # line +9
