def subscript_write(x):
    y = np.zeros(3)  # line +1
    y[0] = x[0] * 2.0  # line +2
    y[1] = x[1] * x[2]  # line +3
    y[2] = np.sin(x[0])  # line +4
    return np.sum(y * y)  # line +5
