def grad_break_in_loop(x):
    # forward: the function, one operation per line
    # values the backward pass needs, saved as loops overwrite them
    stack = []
    # assigned later, saved before each assignment: x_times_i, cond
    x_times_i = None
    cond = None
    # line +0: def break_in_loop(x):
    returned = False
    result = None
    # line +1: s = 0.0
    s = 0.0
    # line +2: for i in range(20):
    break_flag = False
    iterations = 0
    for i in range(20):
        iterations += 1
        # line +3: s = s + x * i
        # save the shape of x_times_i (overwritten here; the backward pass reads it)
        stack.append(shape_only(x_times_i))
        x_times_i = x * i
        # save s (overwritten here; the backward pass reads it)
        stack.append(s)
        s = s + x_times_i
        # line +4: if s > 5.0:
        # save cond (overwritten here; the backward pass reads it)
        stack.append(cond)
        cond = s > 5.0
        if cond:
            # line +5: break
            break_flag = True
        # line +2: for i in range(20):
        if break_flag:
            break
    # line +6: return s * x
    result = s * x
    returned = True
    # backward: d<name> is the gradient of result with respect to <name>
    dresult = seed_scalar(result)
    # line +6: return s * x
    ds = unbroadcast(dresult * x, s)
    dx = unbroadcast(s * dresult, x)
    # line +2: for i in range(20):
    for i in reversed(range(20)[:iterations]):
        # line +4: if s > 5.0:
        cond = stack.pop()
        # line +3: s = s + x * i
        s = stack.pop()
        dx_times_i = unbroadcast(ds, x_times_i)
        ds = unbroadcast(ds, s)
        dx = dx + unbroadcast(dx_times_i * i, x)
        x_times_i = stack.pop()
    return (result, dx)
