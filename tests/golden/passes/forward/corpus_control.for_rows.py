def jvp_for_rows(W, X, *, W_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line +1: s = 0.0
    s = 0.0
    s_dot = zero_tangent(s)
    # line +2: for row in X:
    check_sequence(X, 'X', 'corpus_control.py:+2')
    len_X = len(X)
    for row_index in range(len_X):
        row = X[row_index]
        # line +3: s = s + np.sum(np.tanh(W @ row))
        W_at_row = W @ row
        W_at_row_dot = W_dot @ row
        tanh_W_at_row = np.tanh(W_at_row)
        tanh_W_at_row_dot = W_at_row_dot * (1 - tanh_W_at_row ** 2)
        sum_tanh_W_at_row = np.sum(tanh_W_at_row)
        sum_tanh_W_at_row_dot = np.sum(tanh_W_at_row_dot, axis=None, keepdims=False)
        s_dot = s_dot + sum_tanh_W_at_row_dot
        s = s + sum_tanh_W_at_row
    return (s, s_dot)
