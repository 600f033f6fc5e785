def jvp_with_defaults(x, scale=2.0, power=3, *, x_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line +1: return scale * x ** power
    x_pow_power = x ** power
    x_pow_power_dot = x_dot * power_dx(x, power)
    out = scale * x_pow_power
    out_dot = scale * x_pow_power_dot
    return (out, out_dot)
