    h = layer(W1, x)  # line +1; shape of h: its own
    layer_W2_h = layer(W2, h, b=-0.2)  # line +2; shape of layer_W2_h: its own
    out = np.sum(layer_W2_h)  # line +2; shape of out: a scalar's
