# srcad: gradient of for_range_arg (corpus_control.py:12) with respect to x
# returns (y, gradient)
def grad_for_range_arg(x, n):
    # forward: the function, one operation per line
    # values the backward pass needs, saved as loops overwrite them
    stack = []
    # assigned later, saved before each assignment: y_times_x, sin_y
    y_times_x = None
    sin_y = None
    # line 13: y = 1.0
    y = 1.0
    # line 14: for i in range(n):
    for i in range(n):
        # line 15: y = y * x + np.sin(y)
        # save the shape of y_times_x (overwritten here; the backward pass reads it)
        stack.append(shape_only(y_times_x))
        y_times_x = y * x
        # save the shape of sin_y (overwritten here; the backward pass reads it)
        stack.append(shape_only(sin_y))
        sin_y = np.sin(y)
        # save y (overwritten here; the backward pass reads it)
        stack.append(y)
        y = y_times_x + sin_y
    # keep the value returned: the backward pass restores y
    y_value = y
    # backward: d<name> is the gradient of y with respect to <name>
    dy = seed_scalar(y)
    # line 14: for i in range(n):
    dx = zeros_like(x)
    for i in reversed(range(n)):
        # line 15: y = y * x + np.sin(y)
        dy_times_x = unbroadcast(dy, y_times_x)
        dsin_y = unbroadcast(dy, sin_y)
        y = stack.pop()
        dy = dsin_y * np.cos(y)
        sin_y = stack.pop()
        dy = dy + unbroadcast(dy_times_x * x, y)
        dx += unbroadcast(y * dy_times_x, x)
        y_times_x = stack.pop()
    return (y_value, dx)
