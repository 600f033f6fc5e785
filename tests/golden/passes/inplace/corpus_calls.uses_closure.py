def grad_uses_closure(x):
    # forward: the function, one operation per line
    # line +1: return quad(x) + x
    quad_x, scaled_saved = forward_scaled(x)
    out = quad_x + x
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line +1: return quad(x) + x
    dquad_x = unbroadcast(dout, quad_x)
    dx = unbroadcast(dout, x)
    dx = dx + backward_scaled(scaled_saved, dquad_x)[0]
    return (out, dx)
