def with_defaults(x, scale=2.0, power=3):
    return scale * x ** power  # line +1
