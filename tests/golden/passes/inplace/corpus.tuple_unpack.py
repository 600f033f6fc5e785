def grad_tuple_unpack(x, y):
    # forward: the function, one operation per line
    # line +1: a, b = y, x
    a = y
    b = x
    # line +2: a, b = b * a, a + b
    b_times_a = b * a
    a_plus_b = a + b
    # save a (overwritten here; the backward pass reads it)
    a_old = a
    a = b_times_a
    # save b (overwritten here; the backward pass reads it)
    b_old = b
    b = a_plus_b
    # line +3: return a * b
    out = a * b
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line +3: return a * b
    da = unbroadcast(dout * b, a)
    db = unbroadcast(a * dout, b)
    # line +2: a, b = b * a, a + b
    da_plus_b = db
    b = b_old
    db_times_a = da
    a = a_old
    da = unbroadcast(da_plus_b, a)
    db = unbroadcast(da_plus_b, b)
    db = db + unbroadcast(db_times_a * a, b)
    da = da + unbroadcast(b * db_times_a, a)
    # line +1: a, b = y, x
    dx = db
    return (out, dx)
