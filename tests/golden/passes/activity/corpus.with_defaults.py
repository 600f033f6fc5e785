    x_pow_power = x ** power  # line +1; active: x, x_pow_power
    out = scale * x_pow_power  # line +1; active: out, x_pow_power
