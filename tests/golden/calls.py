# srcad: gradient of mlp (corpus_calls.py:19) with respect to W1, W2
# returns (out, gradient)
# followed by a forward/backward pair for each function it calls
def grad_mlp(W1, W2, x):
    # forward: the function, one operation per line
    # line 20: h = layer(W1, x)
    h, layer_saved_2 = forward_layer(W1, x)
    # line 21: return np.sum(layer(W2, h, b=-0.2))
    layer_W2_h, layer_saved = forward_layer(W2, h, b=-0.2)
    out = np.sum(layer_W2_h)
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line 21: return np.sum(layer(W2, h, b=-0.2))
    dlayer_W2_h = unsum(dout, layer_W2_h)
    dW2, dh = backward_layer(layer_saved, dlayer_W2_h)
    # line 20: h = layer(W1, x)
    dW1 = backward_layer_2(layer_saved_2, dh)[0]
    return (out, (dW1, dW2))


def forward_sigmoid(z):
    # forward: sigmoid as written; also returns what the backward pass reads
    # line 12: return 1 / (1 + np.exp(-z))
    neg_z = -z
    exp_neg_z = np.exp(neg_z)
    one_plus_exp_neg_z = 1 + exp_neg_z
    out = 1 / one_plus_exp_neg_z
    return (out, (exp_neg_z, one_plus_exp_neg_z, out))


def backward_sigmoid(saved, dout):
    # backward: d<name> is the gradient of sigmoid's value with respect to <name>
    exp_neg_z, one_plus_exp_neg_z, out = saved
    # line 12: return 1 / (1 + np.exp(-z))
    done_plus_exp_neg_z = -dout * out / one_plus_exp_neg_z
    dexp_neg_z = done_plus_exp_neg_z
    dneg_z = dexp_neg_z * exp_neg_z
    dz = -dneg_z
    return (dz,)


def forward_layer(W, x, b=0.0):
    # forward: layer as written; also returns what the backward pass reads
    # line 16: return sigmoid(W @ x + b)
    W_at_x = W @ x
    W_at_x_plus_b = W_at_x + b
    out, sigmoid_saved = forward_sigmoid(W_at_x_plus_b)
    return (out, (W, sigmoid_saved, x))


def backward_layer(saved, dout):
    # backward: d<name> is the gradient of layer's value with respect to <name>
    W, sigmoid_saved, x = saved
    # line 16: return sigmoid(W @ x + b)
    dW_at_x_plus_b = backward_sigmoid(sigmoid_saved, dout)[0]
    dW_at_x = dW_at_x_plus_b
    dW = matmul_dx(dW_at_x, W, x)
    dx = matmul_dy(dW_at_x, W, x)
    return (dW, dx)


def backward_layer_2(saved, dout):
    # backward: d<name> is the gradient of layer's value with respect to <name>
    W, sigmoid_saved, x = saved
    # line 16: return sigmoid(W @ x + b)
    dW_at_x_plus_b = backward_sigmoid(sigmoid_saved, dout)[0]
    dW_at_x = dW_at_x_plus_b
    dW = matmul_dx(dW_at_x, W, x)
    return (dW,)
