# srcad: gradient of early_return_in_loop (corpus_control.py:181) with respect to x
# returns (result, gradient)
def grad_early_return_in_loop(x):
    # forward: the function, one operation per line
    # values the backward pass needs, saved as loops overwrite them
    stack = []
    # assigned later, saved before each assignment: cond
    cond = None
    # line 181: def early_return_in_loop(x):
    returned = False
    result = None
    # line 182: for i in range(5):
    iterations = 0
    for i in range(5):
        iterations += 1
        # line 183: x = x * 1.5
        x = x * 1.5
        # line 184: if x > 3.0:
        # save cond (overwritten here; the backward pass reads it)
        stack.append(cond)
        cond = x > 3.0
        if cond:
            # line 185: return x * 2.0
            # save result (overwritten here; the backward pass reads it)
            stack.append(result)
            result = x * 2.0
            returned = True
        # line 182: for i in range(5):
        if returned:
            break
    # line 186: return x
    cond_2 = not returned
    if cond_2:
        # save result (overwritten here; the backward pass reads it)
        result_old = result
        result = x
        returned = True
    # keep the value returned: the backward pass restores result
    result_value = result
    # backward: d<name> is the gradient of result with respect to <name>
    dresult = seed_scalar(result)
    # line 186: return x
    if cond_2:
        dx = dresult
        result = result_old
        dresult = zeros_like(result)
    else:
        dx = zeros_like(x)
    # line 182: for i in range(5):
    for _ in range(iterations):
        # line 184: if x > 3.0:
        if cond:
            # line 185: return x * 2.0
            dx = dx + dresult * 2.0
            result = stack.pop()
            dresult = zeros_like(result)
        cond = stack.pop()
        # line 183: x = x * 1.5
        dx = dx * 1.5
    return (result_value, dx)
