    s = 0.0  # line +1; active: s
        W_at_row = W @ row  # line +3; active: W, W_at_row
        tanh_W_at_row = np.tanh(W_at_row)  # line +3; active: W_at_row, tanh_W_at_row
        sum_tanh_W_at_row = np.sum(tanh_W_at_row)  # line +3; active: sum_tanh_W_at_row, tanh_W_at_row
        s = s + sum_tanh_W_at_row  # line +3; active: s, sum_tanh_W_at_row
