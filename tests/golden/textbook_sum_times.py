# srcad: gradient of textbook_sum_times (corpus.py:11) with respect to x, y, z
# returns (f, gradient)
def grad_textbook_sum_times(x, y, z):
    # forward: the function, one operation per line
    # line 12: q = x + y
    q = x + y
    # line 13: f = q * z
    f = q * z
    # backward: d<name> is the gradient of f with respect to <name>
    df = seed_scalar(f)
    # line 13: f = q * z
    dq = unbroadcast(df * z, q)
    dz = unbroadcast(q * df, z)
    # line 12: q = x + y
    dx = unbroadcast(dq, x)
    dy = unbroadcast(dq, y)
    return (f, (dx, dy, dz))
