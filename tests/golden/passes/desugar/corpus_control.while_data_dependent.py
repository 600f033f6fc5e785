def while_data_dependent(x):
    y = x  # line +1
    steps = 0  # line +2
    while y < 10.0:  # line +3
        y = y * 1.7 + 0.3  # line +4
        steps = steps + 1  # line +5
    return y  # line +6
