def jvp_overwrite(a, b, *, a_dot, b_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line +1: a = a * 3
    a_dot = a_dot * 3
    a = a * 3
    # line +2: a = np.sin(a) * b + a * a
    sin_a = np.sin(a)
    sin_a_dot = a_dot * np.cos(a)
    sin_a_times_b = sin_a * b
    sin_a_times_b_dot = sin_a_dot * b + sin_a * b_dot
    a_times_a = a * a
    a_times_a_dot = a_dot * a + a * a_dot
    a = sin_a_times_b + a_times_a
    a_dot = sin_a_times_b_dot + a_times_a_dot
    # line +3: a += b
    a_dot = a_dot + b_dot
    a = a + b
    # line +4: return np.sum(a ** 2)
    a_pow_two = a ** 2
    a_pow_two_dot = a_dot * (2 * a)
    out = np.sum(a_pow_two)
    out_dot = np.sum(a_pow_two_dot, axis=None, keepdims=False)
    return (out, out_dot)
