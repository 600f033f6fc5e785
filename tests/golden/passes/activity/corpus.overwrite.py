    a = a * 3  # line +1; active: a
    sin_a = np.sin(a)  # line +2; active: a, sin_a
    sin_a_times_b = sin_a * b  # line +2; active: b, sin_a, sin_a_times_b
    a_times_a = a * a  # line +2; active: a, a_times_a
    a = sin_a_times_b + a_times_a  # line +2; active: a, a_times_a, sin_a_times_b
    a = a + b  # line +3; active: a, b
    a_pow_two = a ** 2  # line +4; active: a, a_pow_two
    out = np.sum(a_pow_two)  # line +4; active: a_pow_two, out
