    x_pow_power = x ** power  # line +1; ops: rule operator.pow
    out = scale * x_pow_power  # line +1; ops: rule operator.mul
    return out  # line +1; ops: effect
