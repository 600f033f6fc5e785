    h = layer(W1, x)  # line +1; ops: call layer
    layer_W2_h = layer(W2, h, b=-0.2)  # line +2; ops: call layer
    out = np.sum(layer_W2_h)  # line +2; ops: rule numpy.sum
    return out  # line +2; ops: effect
