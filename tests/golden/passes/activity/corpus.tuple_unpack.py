    a = y  # line +1; active: a
    b = x  # line +1; active: b, x
    b_times_a = b * a  # line +2; active: a, b, b_times_a
    a_plus_b = a + b  # line +2; active: a, a_plus_b, b
    a = b_times_a  # line +2; active: a, b_times_a
    b = a_plus_b  # line +2; active: a_plus_b, b
    out = a * b  # line +3; active: a, b, out
