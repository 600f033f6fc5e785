    b_times_a = b * a  # line +2; shape of b_times_a: its own
    a_plus_b = a + b  # line +2; shape of a_plus_b: its own
    out = a * b  # line +3; shape of out: its own
