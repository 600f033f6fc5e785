# srcad: Jacobian-vector product of rnn_rows (corpus_control.py:267) along tangents of W, xs, h0
# returns (out, tangent of out)
def jvp_rnn_rows(W, xs, h0, *, W_dot, xs_dot, h0_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line 268: n = xs.shape[0]
    xs_shape = xs.shape
    n = xs_shape[0]
    # line 269: states = np.zeros((n, h0.shape[0]))
    h0_shape = h0.shape
    h0_shape_zero = h0_shape[0]
    tup = (n, h0_shape_zero)
    states = np.zeros(tup)
    states_dot = zero_tangent(states)
    # line 270: h = h0
    h = h0
    h_dot = h0_dot
    # line 271: for t in range(n):
    for t in range(n):
        # line 272: h = np.tanh(W @ h + xs[t])
        W_at_h = W @ h
        W_at_h_dot = W_dot @ h + W @ h_dot
        xs_t = xs[t]
        xs_t_dot = xs_dot[t]
        W_at_h_plus_xs_t = W_at_h + xs_t
        W_at_h_plus_xs_t_dot = W_at_h_dot + xs_t_dot
        h = np.tanh(W_at_h_plus_xs_t)
        h_dot = W_at_h_plus_xs_t_dot * (1 - h ** 2)
        # line 273: states[t] = h
        states[t] = h
        states_dot[t] = h_dot
    # line 274: return np.sum(states ** 2)
    states_pow_two = states ** 2
    states_pow_two_dot = states_dot * (2 * states)
    out = np.sum(states_pow_two)
    out_dot = np.sum(states_pow_two_dot, axis=None, keepdims=False)
    return (out, out_dot)
