# srcad: gradient of ode_loss (test_jit.py:148) with respect to a, b
# returns (out, gradient)
# specialized for: u0: float64 array (1-d), a: float64 array (1-d, the shape of u0), b: float64 array (1-d, the shape of u0), dt: float, T: float
# compiled with numba at the first call (jit=True)
def grad_ode_loss(u0, a, b, dt, T):
    # forward: the function, one operation per line
    # values the backward pass needs, saved as loops overwrite them
    stack_u_pow_three = []
    stack_u = []
    # assigned later, saved before each assignment: u_pow_three
    u_pow_three = None
    # line 149: u = u0
    u = u0
    # line 150: t = 0.0
    t = 0.0
    # line 151: while t < T:
    iterations = 0
    while t < T:
        iterations += 1
        # save u_pow_three (overwritten here; the backward pass reads it)
        stack_u_pow_three.append(u_pow_three)
        u_pow_three = u ** 3
        # save u (overwritten here; the backward pass reads it)
        stack_u.append(u)
        u = u + dt * (a * u - b * u_pow_three)
        # line 153: t = t + dt
        t = t + dt
    # line 154: return np.sum(u ** 2)
    u_pow_two = u ** 2
    out = np.sum(u_pow_two)
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line 154: return np.sum(u ** 2)
    du_pow_two = unsum(dout, u_pow_two)
    du = du_pow_two * (2 * u)
    # line 151: while t < T:
    da = zeros_like(a)
    db = zeros_like(b)
    for _ in range(iterations):
        # line 152: u = u + dt * (a * u - b * u ** 3)
        u = stack_u.pop()
        ddiff = dt * du
        da_times_u = ddiff
        db_times_u_pow_three = -ddiff
        db += db_times_u_pow_three * u_pow_three
        du = du + b * db_times_u_pow_three * (3 * u ** 2)
        u_pow_three = stack_u_pow_three.pop()
        da += da_times_u * u
        du = du + a * da_times_u
    return (out, (da, db))
