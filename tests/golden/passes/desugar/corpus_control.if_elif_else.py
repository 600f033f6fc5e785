def if_elif_else(x):
    if x > 1.0:  # line +1
        y = x * x  # line +2
    elif x > 0.0:  # line +3
        y = np.sin(x)  # line +4
    elif x > -1.0:  # line +5
        y = -x * 3.0  # line +6
    else:
        y = np.exp(x)  # line +8
    return y * 2.0  # line +9
