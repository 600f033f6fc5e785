def textbook_sum_times(x, y, z):
    q = x + y  # line +1; active: q, x
    f = q * z  # line +2; active: f, q, z
    return f  # line +3
