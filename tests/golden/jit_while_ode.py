# srcad: gradient of ode_loss (test_jit.py:152) with respect to a, b
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
    # line 153: u = u0
    u = u0
    # line 154: t = 0.0
    t = 0.0
    # line 155: while t < T:
    iterations = 0
    while t < T:
        iterations += 1
        # save u_pow_three (overwritten here; the backward pass reads it)
        stack_u_pow_three.append(u_pow_three)
        u_pow_three = np.empty_like(u)
        for i in range(len(u)):
            u_pow_three[i] = u[i] ** 3
        # save u (overwritten here; the backward pass reads it)
        stack_u.append(u)
        u_next = np.empty_like(u)
        for i in range(len(u)):
            u_next[i] = u[i] + dt * (a[i] * u[i] - b[i] * u_pow_three[i])
        u = u_next
        # line 157: t = t + dt
        t = t + dt
    # line 158: return np.sum(u ** 2)
    u_pow_two = np.empty_like(u)
    for i in range(len(u)):
        u_pow_two[i] = u[i] ** 2
    out = np.sum(u_pow_two)
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line 158: return np.sum(u ** 2)
    du_pow_two = unsum(dout, u_pow_two)
    du = np.empty_like(du_pow_two)
    for i in range(len(du_pow_two)):
        du[i] = du_pow_two[i] * (2 * u[i])
    # line 155: while t < T:
    da = zeros_like(a)
    db = zeros_like(b)
    for _ in range(iterations):
        # line 156: u = u + dt * (a * u - b * u ** 3)
        u = stack_u.pop()
        da_times_u = np.empty_like(du)
        du_next = np.empty_like(du)
        for i in range(len(du)):
            ddiff = dt * du[i]
            da_times_u[i] = ddiff
            db_times_u_pow_three = -ddiff
            db[i] += db_times_u_pow_three * u_pow_three[i]
            du_next[i] = du[i] + b[i] * db_times_u_pow_three * (3 * u[i] ** 2)
        du = du_next
        u_pow_three = stack_u_pow_three.pop()
        du_next2 = np.empty_like(da)
        for i in range(len(da)):
            da[i] += da_times_u[i] * u[i]
            du_next2[i] = du[i] + a[i] * da_times_u[i]
        du = du_next2
    return (out, (da, db))
