    a = y  # line +1; ops: rule copy
    b = x  # line +1; ops: rule copy
    b_times_a = b * a  # line +2; ops: rule operator.mul
    a_plus_b = a + b  # line +2; ops: rule operator.add
    a = b_times_a  # line +2; ops: rule copy
    b = a_plus_b  # line +2; ops: rule copy
    out = a * b  # line +3; ops: rule operator.mul
    return out  # line +3; ops: effect
