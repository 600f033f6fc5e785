def jvp_mlp(W1, W2, x, *, W1_dot, W2_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line +1: h = layer(W1, x)
    h, h_dot = jvp_layer(W1, x, W_dot=W1_dot)
    # line +2: return np.sum(layer(W2, h, b=-0.2))
    layer_W2_h, layer_W2_h_dot = jvp_layer_2(W2, h, b=-0.2, W_dot=W2_dot, x_dot=h_dot)
    out = np.sum(layer_W2_h)
    out_dot = np.sum(layer_W2_h_dot, axis=None, keepdims=False)
    return (out, out_dot)
