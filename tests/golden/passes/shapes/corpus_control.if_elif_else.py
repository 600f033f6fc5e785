def if_elif_else(x):
    cond = x > 1.0  # line +1; shape of cond: its own
    if cond:  # line +1
        y = x * x  # line +2; shape of y: broadcast of x
    else:
        cond_2 = x > 0.0  # line +3; shape of cond_2: its own
        if cond_2:  # line +3
            y = np.sin(x)  # line +4; shape of y: broadcast of x
        else:
            cond_3 = x > -1.0  # line +5; shape of cond_3: its own
            if cond_3:  # line +5
                neg_x = -x  # line +6; shape of neg_x: broadcast of x
                y = neg_x * 3.0  # line +6; shape of y: broadcast of x
            else:
                y = np.exp(x)  # line +8; shape of y: broadcast of x
    out = y * 2.0  # line +9; shape of out: broadcast of x
    return out  # line +9
