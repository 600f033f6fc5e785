    len_X = len(X)  # line +2; shape of len_X: its own
    iterations = 0  # line +2; shape of iterations: its own
