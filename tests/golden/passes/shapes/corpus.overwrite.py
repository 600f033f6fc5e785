def overwrite(a, b):
    a = a * 3  # line +1
    sin_a = np.sin(a)  # line +2
    sin_a_times_b = sin_a * b  # line +2
    a_times_a = a * a  # line +2
    a = sin_a_times_b + a_times_a  # line +2
    a = a + b  # line +3
    a_pow_two = a ** 2  # line +4
    out = np.sum(a_pow_two)  # line +4; shape of out: its own
    return out  # line +4
