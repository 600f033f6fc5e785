    s = 0.0  # line +1; ops: rule no gradient
    len_X = len(X)  # line +2; ops: rule no gradient
    iterations = 0  # line +2; ops: rule no gradient
        iterations += 1  # line +2; ops: effect
        row = X[row_index]  # line +2; ops: rule operator.getitem
        W_at_row = W @ row  # line +3; ops: rule operator.matmul
        tanh_W_at_row = np.tanh(W_at_row)  # line +3; ops: rule numpy.tanh
        sum_tanh_W_at_row = np.sum(tanh_W_at_row)  # line +3; ops: rule numpy.sum
        s = s + sum_tanh_W_at_row  # line +3; ops: rule operator.add
    return s  # line +4; ops: effect
