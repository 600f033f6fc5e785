def break_in_loop(x):
    s = 0.0  # line +1
    for i in range(20):  # line +2
        s = s + x * i  # line +3
        if s > 5.0:  # line +4
            break  # line +5
    return s * x  # line +6
