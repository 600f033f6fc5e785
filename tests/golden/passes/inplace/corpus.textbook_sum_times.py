def grad_textbook_sum_times(x, y, z):
    # forward: the function, one operation per line
    # line +1: q = x + y
    q = x + y
    # line +2: f = q * z
    f = q * z
    # backward: d<name> is the gradient of f with respect to <name>
    df = seed_scalar(f)
    # line +2: f = q * z
    dq = unbroadcast(df * z, q)
    dz = unbroadcast(q * df, z)
    # line +1: q = x + y
    dx = unbroadcast(dq, x)
    return (f, dx)
