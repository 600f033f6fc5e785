    a = a * 3  # line +1; ops: rule operator.mul
    sin_a = np.sin(a)  # line +2; ops: rule numpy.sin
    sin_a_times_b = sin_a * b  # line +2; ops: rule operator.mul
    a_times_a = a * a  # line +2; ops: rule operator.mul
    a = sin_a_times_b + a_times_a  # line +2; ops: rule operator.add
    a = a + b  # line +3; ops: rule operator.add
    a_pow_two = a ** 2  # line +4; ops: rule operator.pow
    out = np.sum(a_pow_two)  # line +4; ops: rule numpy.sum
    return out  # line +4; ops: effect
