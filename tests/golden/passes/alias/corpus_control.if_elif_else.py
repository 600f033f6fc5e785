def if_elif_else(x):
    cond = x > 1.0  # line +1
    if cond:  # line +1
        y = x * x  # line +2
    else:
        cond_2 = x > 0.0  # line +3
        if cond_2:  # line +3
            y = np.sin(x)  # line +4
        else:
            cond_3 = x > -1.0  # line +5
            if cond_3:  # line +5
                neg_x = -x  # line +6
                y = neg_x * 3.0  # line +6
            else:
                y = np.exp(x)  # line +8
    out = y * 2.0  # line +9
    return out  # line +9
