def grad_with_defaults(x, scale=2.0, power=3):
    # forward: the function, one operation per line
    # line +1: return scale * x ** power
    x_pow_power = x ** power
    out = scale * x_pow_power
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line +1: return scale * x ** power
    dx_pow_power = unbroadcast(scale * dout, x_pow_power)
    dx = unbroadcast(dx_pow_power * power_dx(x, power), x)
    return (out, dx)
