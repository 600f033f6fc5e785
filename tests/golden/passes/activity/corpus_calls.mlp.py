    h = layer(W1, x)  # line +1; active: W1, h
    layer_W2_h = layer(W2, h, b=-0.2)  # line +2; active: W2, h, layer_W2_h
    out = np.sum(layer_W2_h)  # line +2; active: layer_W2_h, out
