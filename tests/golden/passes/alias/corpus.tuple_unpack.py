def tuple_unpack(x, y):
    a = y  # line +1
    b = x  # line +1
    b_times_a = b * a  # line +2
    a_plus_b = a + b  # line +2
    a = b_times_a  # line +2
    b = a_plus_b  # line +2
    out = a * b  # line +3
    return out  # line +3
