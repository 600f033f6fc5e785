def textbook_sum_times(x, y, z):
    q = x + y  # line +1; shape of q: broadcast of x, y
    f = q * z  # line +2; shape of f: broadcast of x, y, z
    return f  # line +3
