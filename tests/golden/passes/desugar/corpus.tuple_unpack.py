def tuple_unpack(x, y):
    a, b = (y, x)  # line +1
    a, b = (b * a, a + b)  # line +2
    return a * b  # line +3
