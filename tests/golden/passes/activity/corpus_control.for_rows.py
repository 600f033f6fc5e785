def for_rows(W, X):
    s = 0.0  # line +1; active: s
    len_X = len(X)  # line +2
    iterations = 0  # line +2
    for row_index in range(len_X):  # line +2
        iterations += 1  # line +2
        row = X[row_index]  # line +2
        W_at_row = W @ row  # line +3; active: W, W_at_row
        tanh_W_at_row = np.tanh(W_at_row)  # line +3; active: W_at_row, tanh_W_at_row
        sum_tanh_W_at_row = np.sum(tanh_W_at_row)  # line +3; active: sum_tanh_W_at_row, tanh_W_at_row
        s = s + sum_tanh_W_at_row  # line +3; active: s, sum_tanh_W_at_row
    return s  # line +4
