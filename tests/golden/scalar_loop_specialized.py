# srcad: gradient of scalar_loop (test_specialization_kinds.py:24) with respect to x
# returns (y, gradient)
# specialized for: x: float, y0: float, n: int
def grad_scalar_loop(x, y0, n):
    # forward: the function, one operation per line
    # values the backward pass needs, saved as loops overwrite them
    stack = []
    # line 25: y = y0
    y = y0
    # line 26: for i in range(n):
    for i in range(n):
        # line 27: y = y * x + math.sin(y)
        y_times_x = y * x
        sin_y = math.sin(y)
        # save y (overwritten here; the backward pass reads it)
        stack.append(y)
        y = y_times_x + sin_y
    # keep the value returned: the backward pass restores y
    y_value = y
    # backward: d<name> is the gradient of y with respect to <name>
    dy = seed_scalar(y)
    # line 26: for i in range(n):
    dx = 0.0
    for i in reversed(range(n)):
        # line 27: y = y * x + math.sin(y)
        dy_times_x = dy
        dsin_y = dy
        y = stack.pop()
        dy = dsin_y * math.cos(y)
        dy = dy + dy_times_x * x
        dx = dx + y * dy_times_x
    return (y_value, dx)
