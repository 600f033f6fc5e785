def for_rows(W, X):
    s = 0.0  # line +1
    for row in X:  # line +2
        s = s + np.sum(np.tanh(W @ row))  # line +3
    return s  # line +4
