# srcad: gradient of euler_states (test_python_lists.py:612) with respect to x
# returns (out, gradient)
def grad_euler_states(x, k):
    # forward: the function, one operation per line
    # values the backward pass needs, saved as loops overwrite them
    stack = []
    # assigned later, saved before each assignment: _0_1_times_sin_s, prod
    _0_1_times_sin_s = None
    prod = None
    # line 613: states = []
    states = []
    # line 614: s = x
    s = x
    # line 615: for t in range(3):
    for t in range(3):
        # line 616: s = s + 0.1 * np.sin(s) * k
        sin_s = np.sin(s)
        # save the shape of _0_1_times_sin_s (overwritten here; the backward pass reads it)
        stack.append(shape_only(_0_1_times_sin_s))
        _0_1_times_sin_s = 0.1 * sin_s
        # save the shape of prod (overwritten here; the backward pass reads it)
        stack.append(shape_only(prod))
        prod = _0_1_times_sin_s * k
        # save s (overwritten here; the backward pass reads it)
        stack.append(s)
        s = s + prod
        # line 617: states.append(s)
        states.append(s)
    # line 618: return np.sum(np.stack(states) ** 2)
    stack_states = np.stack(states)
    stack_states_pow_two = stack_states ** 2
    out = np.sum(stack_states_pow_two)
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line 618: return np.sum(np.stack(states) ** 2)
    dstack_states_pow_two = unsum(dout, stack_states_pow_two)
    dstack_states = dstack_states_pow_two * (2 * stack_states)
    dstates = unstack(dstack_states, states)
    # line 615: for t in range(3):
    ds = zeros_like(s)
    for t in reversed(range(3)):
        # line 617: states.append(s)
        ds = ds + dstates.pop()
        states.pop()
        # line 616: s = s + 0.1 * np.sin(s) * k
        s = stack.pop()
        dprod = unbroadcast(ds, prod)
        ds = unbroadcast(ds, s)
        d_0_1_times_sin_s = unbroadcast(dprod * k, _0_1_times_sin_s)
        prod = stack.pop()
        dsin_s = 0.1 * d_0_1_times_sin_s
        _0_1_times_sin_s = stack.pop()
        ds = ds + dsin_s * np.cos(s)
    # line 614: s = x
    dx = ds
    return (out, dx)
