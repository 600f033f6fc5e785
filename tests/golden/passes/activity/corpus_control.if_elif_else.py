        y = x * x  # line +2; active: x, y
            y = np.sin(x)  # line +4; active: x, y
                neg_x = -x  # line +6; active: neg_x, x
                y = neg_x * 3.0  # line +6; active: neg_x, y
                y = np.exp(x)  # line +8; active: x, y
    out = y * 2.0  # line +9; active: out, y
