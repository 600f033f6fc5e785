def grad_while_data_dependent(x):
    # forward: the function, one operation per line
    # line +1: y = x
    y = x
    # line +2: steps = 0
    steps = 0
    # line +3: while y < 10.0:
    iterations = 0
    while y < 10.0:
        iterations += 1
        # line +4: y = y * 1.7 + 0.3
        y_times_1_7 = y * 1.7
        y = y_times_1_7 + 0.3
        # line +5: steps = steps + 1
        steps = steps + 1
    # backward: d<name> is the gradient of y with respect to <name>
    dy = seed_scalar(y)
    # line +3: while y < 10.0:
    for _ in range(iterations):
        # line +4: y = y * 1.7 + 0.3
        dy_times_1_7 = dy
        dy = dy_times_1_7 * 1.7
    # line +1: y = x
    dx = dy
    return (y, dx)
