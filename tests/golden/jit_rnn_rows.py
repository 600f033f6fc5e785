# srcad: gradient of rnn_rows (corpus_control.py:267) with respect to W, xs, h0
# returns (out, gradient)
# specialized for: W: float64 array (2-d), xs: float64 array (2-d), h0: float64 array (1-d)
# compiled with numba at the first call (jit=True)
def grad_rnn_rows(W, xs, h0):
    # forward: the function, one operation per line
    # values the backward pass needs, saved as loops overwrite them
    stack_W_at_h = []
    stack_xs_t = []
    stack_h = []
    stack_states = []
    # assigned later, saved before each assignment: W_at_h, xs_t
    W_at_h = None
    xs_t = None
    # line 268: n = xs.shape[0]
    xs_shape = xs.shape
    n = xs_shape[0]
    # line 269: states = np.zeros((n, h0.shape[0]))
    h0_shape = h0.shape
    h0_shape_zero = h0_shape[0]
    tup = (n, h0_shape_zero)
    states = np.zeros(tup)
    # line 270: h = h0
    h = h0
    # line 271: for t in range(n):
    for t in range(n):
        # line 272: h = np.tanh(W @ h + xs[t])
        # save the shape of W_at_h (overwritten here; the backward pass reads it)
        stack_W_at_h.append(shape_only(W_at_h))
        W_at_h = W @ h
        # save the shape of xs_t (overwritten here; the backward pass reads it)
        stack_xs_t.append(shape_only(xs_t))
        xs_t = xs[t]
        # save h (overwritten here; the backward pass reads it)
        stack_h.append(h)
        h = np.tanh(W_at_h + xs_t)
        # line 273: states[t] = h
        # save states (overwritten here; the backward pass reads it)
        stack_states.append(snapshot(states[t]))
        states[t] = h
    # line 274: return np.sum(states ** 2)
    states_pow_two = states ** 2
    out = np.sum(states_pow_two)
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line 274: return np.sum(states ** 2)
    dstates_pow_two = unsum(dout, states_pow_two)
    dstates = dstates_pow_two * (2 * states)
    # line 271: for t in range(n):
    dh = zeros_like(h)
    dW = zeros_like(W)
    dxs = zeros_like(xs)
    for t in range(n - 1, -1, -1):
        # line 273: states[t] = h
        dh = dh + unbroadcast(dstates[t], h)
        dstates[t] = 0.0
        states[t] = stack_states.pop()
        # line 272: h = np.tanh(W @ h + xs[t])
        dW_at_h_plus_xs_t = dh * (1 - h ** 2)
        h = stack_h.pop()
        dW_at_h = unbroadcast(dW_at_h_plus_xs_t, W_at_h)
        dxs_t = unbroadcast(dW_at_h_plus_xs_t, xs_t)
        dxs = add_at(dxs, t, dxs_t, xs)
        xs_t = stack_xs_t.pop()
        dW += matmul_dx(dW_at_h, W, h)
        dh = matmul_dy(dW_at_h, W, h)
        W_at_h = stack_W_at_h.pop()
    # line 270: h = h0
    dh0 = dh
    return (out, (dW, dxs, dh0))
