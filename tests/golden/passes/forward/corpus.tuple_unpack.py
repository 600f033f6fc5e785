def jvp_tuple_unpack(x, y, *, x_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line +1: a, b = y, x
    a = y
    a_dot = zero_tangent(a)
    b = x
    b_dot = x_dot
    # line +2: a, b = b * a, a + b
    b_times_a = b * a
    b_times_a_dot = b_dot * a + b * a_dot
    a_plus_b = a + b
    a_plus_b_dot = a_dot + b_dot
    a = b_times_a
    a_dot = b_times_a_dot
    b = a_plus_b
    b_dot = a_plus_b_dot
    # line +3: return a * b
    out = a * b
    out_dot = a_dot * b + a * b_dot
    return (out, out_dot)
