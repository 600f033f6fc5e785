def if_elif_else(x):
    cond = x > 1.0  # line +1; ops: rule no gradient
    if cond:  # line +1
        y = x * x  # line +2; ops: rule operator.mul
    else:
        cond_2 = x > 0.0  # line +3; ops: rule no gradient
        if cond_2:  # line +3
            y = np.sin(x)  # line +4; ops: rule numpy.sin
        else:
            cond_3 = x > -1.0  # line +5; ops: rule no gradient
            if cond_3:  # line +5
                neg_x = -x  # line +6; ops: rule operator.neg
                y = neg_x * 3.0  # line +6; ops: rule operator.mul
            else:
                y = np.exp(x)  # line +8; ops: rule numpy.exp
    out = y * 2.0  # line +9; ops: rule operator.mul
    return out  # line +9; ops: effect
