# srcad: gradient of while_ode (corpus_control.py:88) with respect to k
# returns (y, gradient)
def grad_while_ode(k):
    # forward: the function, one operation per line
    # values the backward pass needs, saved as loops overwrite them
    stack = []
    # assigned later, saved before each assignment: dt_times_k_times_y
    dt_times_k_times_y = None
    # assigned in a loop, the same value each time, not saved: dt_times_k
    dt_times_k = None
    # line 89: t = 0.0
    t = 0.0
    # line 90: y = 1.0
    y = 1.0
    # line 91: dt = 0.05
    dt = 0.05
    # line 92: while t < 1.0:
    iterations = 0
    while t < 1.0:
        iterations += 1
        # line 93: y = y - dt * k * y
        dt_times_k = dt * k
        # save the shape of dt_times_k_times_y (overwritten here; the backward pass reads it)
        stack.append(shape_only(dt_times_k_times_y))
        dt_times_k_times_y = dt_times_k * y
        # save y (overwritten here; the backward pass reads it)
        stack.append(y)
        y = y - dt_times_k_times_y
        # line 94: t = t + dt
        t = t + dt
    # keep the value returned: the backward pass restores y
    y_value = y
    # backward: d<name> is the gradient of y with respect to <name>
    dy = seed_scalar(y)
    # line 92: while t < 1.0:
    dk = zeros_like(k)
    for _ in range(iterations):
        # line 93: y = y - dt * k * y
        y = stack.pop()
        ddt_times_k_times_y = unbroadcast(-dy, dt_times_k_times_y)
        dy = unbroadcast(dy, y)
        ddt_times_k = unbroadcast(ddt_times_k_times_y * y, dt_times_k)
        dy = dy + unbroadcast(dt_times_k * ddt_times_k_times_y, y)
        dt_times_k_times_y = stack.pop()
        dk += unbroadcast(dt * ddt_times_k, k)
    return (y_value, dk)
