def grad_mlp(W1, W2, x):
    # forward: the function, one operation per line
    # line +1: h = layer(W1, x)
    h, layer_saved_2 = forward_layer_2(W1, x)
    # line +2: return np.sum(layer(W2, h, b=-0.2))
    layer_W2_h, layer_saved = forward_layer(W2, h, b=-0.2)
    out = np.sum(layer_W2_h)
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line +2: return np.sum(layer(W2, h, b=-0.2))
    dlayer_W2_h = unsum(dout, layer_W2_h)
    dlayer_args = backward_layer(layer_saved, dlayer_W2_h)
    dW2 = dlayer_args[0]
    dh = dlayer_args[1]
    # line +1: h = layer(W1, x)
    dW1 = backward_layer_2(layer_saved_2, dh)[0]
    return (out, dW1)
