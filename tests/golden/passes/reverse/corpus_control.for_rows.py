def grad_for_rows(W, X):
    # forward: the function, one operation per line
    # values the backward pass needs, saved as loops overwrite them
    stack = []
    # assigned later, saved before each assignment: row, tanh_W_at_row
    row = None
    tanh_W_at_row = None
    # line +1: s = 0.0
    s = 0.0
    # line +2: for row in X:
    check_sequence(X, 'X', 'corpus_control.py:+2')
    len_X = len(X)
    for row_index in range(len_X):
        # save row (overwritten here; the backward pass reads it)
        stack.append(row)
        row = X[row_index]
        # line +3: s = s + np.sum(np.tanh(W @ row))
        W_at_row = W @ row
        # save tanh_W_at_row (overwritten here; the backward pass reads it)
        stack.append(tanh_W_at_row)
        tanh_W_at_row = np.tanh(W_at_row)
        sum_tanh_W_at_row = np.sum(tanh_W_at_row)
        s = s + sum_tanh_W_at_row
    # backward: d<name> is the gradient of s with respect to <name>
    ds = seed_scalar(s)
    # line +2: for row in X:
    dW = zeros_like(W)
    for row_index in reversed(range(len_X)):
        # line +3: s = s + np.sum(np.tanh(W @ row))
        dsum_tanh_W_at_row = ds
        dtanh_W_at_row = unsum(dsum_tanh_W_at_row, tanh_W_at_row)
        dW_at_row = dtanh_W_at_row * (1 - tanh_W_at_row ** 2)
        tanh_W_at_row = stack.pop()
        dW = dW + matmul_dx(dW_at_row, W, row)
        # line +2: for row in X:
        row = stack.pop()
    return (s, dW)
