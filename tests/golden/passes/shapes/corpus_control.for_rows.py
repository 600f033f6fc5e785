    s = 0.0  # line +1; shape of s: a scalar's
    len_X = len(X)  # line +2; shape of len_X: its own
    iterations = 0  # line +2; shape of iterations: a scalar's
        sum_tanh_W_at_row = np.sum(tanh_W_at_row)  # line +3; shape of sum_tanh_W_at_row: a scalar's
        s = s + sum_tanh_W_at_row  # line +3; shape of s: a scalar's
