    cond = x > 1.0  # line +1; ops: rule no gradient
        y = x * x  # line +2; ops: rule operator.mul
        cond_2 = x > 0.0  # line +3; ops: rule no gradient
            y = np.sin(x)  # line +4; ops: rule numpy.sin
            cond_3 = x > -1.0  # line +5; ops: rule no gradient
                neg_x = -x  # line +6; ops: rule operator.neg
                y = neg_x * 3.0  # line +6; ops: rule operator.mul
                y = np.exp(x)  # line +8; ops: rule numpy.exp
    out = y * 2.0  # line +9; ops: rule operator.mul
    return out  # line +9; ops: effect
