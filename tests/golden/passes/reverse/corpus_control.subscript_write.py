def grad_subscript_write(x):
    # forward: the function, one operation per line
    # line +1: y = np.zeros(3)
    y = np.zeros(3)
    # line +2: y[0] = x[0] * 2.0
    x_zero = x[0]
    x_zero_times_two = x_zero * 2.0
    # save y (overwritten here; the backward pass reads it)
    y_old_3 = snapshot(y[0])
    y[0] = x_zero_times_two
    # line +3: y[1] = x[1] * x[2]
    x_one = x[1]
    x_two = x[2]
    x_one_times_x_two = x_one * x_two
    # save y (overwritten here; the backward pass reads it)
    y_old_2 = snapshot(y[1])
    y[1] = x_one_times_x_two
    # line +4: y[2] = np.sin(x[0])
    x_zero_2 = x[0]
    sin_x_zero_2 = np.sin(x_zero_2)
    # save y (overwritten here; the backward pass reads it)
    y_old = snapshot(y[2])
    y[2] = sin_x_zero_2
    # line +5: return np.sum(y * y)
    y_times_y = y * y
    out = np.sum(y_times_y)
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line +5: return np.sum(y * y)
    dy_times_y = unsum(dout, y_times_y)
    dy = 2 * (dy_times_y * y)
    # line +4: y[2] = np.sin(x[0])
    dsin_x_zero_2 = unbroadcast(dy[2], sin_x_zero_2)
    dy = zero_at(dy, 2)
    y[2] = y_old
    dx_zero_2 = dsin_x_zero_2 * np.cos(x_zero_2)
    dx = unindex(dx_zero_2, x, 0)
    # line +3: y[1] = x[1] * x[2]
    dx_one_times_x_two = unbroadcast(dy[1], x_one_times_x_two)
    dy = zero_at(dy, 1)
    y[1] = y_old_2
    dx_one = unbroadcast(dx_one_times_x_two * x_two, x_one)
    dx_two = unbroadcast(x_one * dx_one_times_x_two, x_two)
    dx = dx + unindex(dx_two, x, 2)
    dx = dx + unindex(dx_one, x, 1)
    # line +2: y[0] = x[0] * 2.0
    dx_zero_times_two = unbroadcast(dy[0], x_zero_times_two)
    dy = zero_at(dy, 0)
    y[0] = y_old_3
    dx_zero = dx_zero_times_two * 2.0
    dx = dx + unindex(dx_zero, x, 0)
    return (out, dx)
