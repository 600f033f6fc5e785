# srcad: gradient of textbook_max (corpus.py:17) with respect to x, y, z, w
# returns (out, gradient)
def grad_textbook_max(x, y, z, w):
    # forward: the function, one operation per line
    # line 18: return 2 * (x * y + max(z, w))
    x_times_y = x * y
    max_z_w = max(z, w)
    total = x_times_y + max_z_w
    out = 2 * total
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line 18: return 2 * (x * y + max(z, w))
    dtotal = 2 * dout
    dx_times_y = unbroadcast(dtotal, x_times_y)
    dmax_z_w = unbroadcast(dtotal, max_z_w)
    dz = dmax_z_w * (z >= w)
    dw = dmax_z_w * (z < w)
    dx = unbroadcast(dx_times_y * y, x)
    dy = unbroadcast(x * dx_times_y, y)
    return (out, (dx, dy, dz, dw))
