def for_rows(W, X):
    s = 0.0  # line +1
    len_X = len(X)  # line +2
    iterations = 0  # line +2
    for row_index in range(len_X):  # line +2
        iterations += 1  # line +2
        row = X[row_index]  # line +2
        W_at_row = W @ row  # line +3
        tanh_W_at_row = np.tanh(W_at_row)  # line +3
        sum_tanh_W_at_row = np.sum(tanh_W_at_row)  # line +3
        s = s + sum_tanh_W_at_row  # line +3
    return s  # line +4
