    x_pow_power = x ** power  # line +1; shape of x_pow_power: broadcast of power, x
    out = scale * x_pow_power  # line +1; shape of out: its own
