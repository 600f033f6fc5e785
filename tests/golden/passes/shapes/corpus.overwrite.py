    sin_a_times_b = sin_a * b  # line +2; shape of sin_a_times_b: its own
    out = np.sum(a_pow_two)  # line +4; shape of out: a scalar's
