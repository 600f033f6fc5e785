def textbook_sum_times(x, y, z):
    q = x + y  # line +1
    f = q * z  # line +2
    return f  # line +3
