def jvp_textbook_sum_times(x, y, z, *, x_dot, z_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line +1: q = x + y
    q = x + y
    q_dot = broadcast_tangent(x_dot, q)
    # line +2: f = q * z
    f = q * z
    f_dot = q_dot * z + q * z_dot
    return (f, f_dot)
