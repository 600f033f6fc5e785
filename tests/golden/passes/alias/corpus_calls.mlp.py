def mlp(W1, W2, x):
    h = layer(W1, x)  # line +1
    layer_W2_h = layer(W2, h, b=-0.2)  # line +2
    out = np.sum(layer_W2_h)  # line +2
    return out  # line +2
