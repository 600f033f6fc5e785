def grad_overwrite(a, b):
    # forward: the function, one operation per line
    # line +1: a = a * 3
    a = a * 3
    # line +2: a = np.sin(a) * b + a * a
    sin_a = np.sin(a)
    sin_a_times_b = sin_a * b
    a_times_a = a * a
    # save a (overwritten here; the backward pass reads it)
    a_old_3 = a
    a = sin_a_times_b + a_times_a
    # line +3: a += b
    # save a (overwritten here; the backward pass reads it)
    a_old = a
    a = a + b
    # line +4: return np.sum(a ** 2)
    a_pow_two = a ** 2
    out = np.sum(a_pow_two)
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line +4: return np.sum(a ** 2)
    da_pow_two = unsum(dout, a_pow_two)
    da = da_pow_two * (2 * a)
    # line +3: a += b
    db = unbroadcast(da, b)
    da = unbroadcast(da, a_old)
    # line +2: a = np.sin(a) * b + a * a
    dsin_a_times_b = unbroadcast(da, sin_a_times_b)
    da_times_a = unbroadcast(da, a_times_a)
    a = a_old_3
    da = 2 * unbroadcast(da_times_a * a, a)
    dsin_a = unbroadcast(dsin_a_times_b * b, sin_a)
    db = db + unbroadcast(sin_a * dsin_a_times_b, b)
    da = da + dsin_a * np.cos(a)
    # line +1: a = a * 3
    da = da * 3
    return (out, da)
