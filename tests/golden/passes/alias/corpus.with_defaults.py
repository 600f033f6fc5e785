def with_defaults(x, scale=2.0, power=3):
    x_pow_power = x ** power  # line +1
    out = scale * x_pow_power  # line +1
    return out  # line +1
