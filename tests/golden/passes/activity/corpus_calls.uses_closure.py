def uses_closure(x):
    quad_x = quad(x)  # line +1; active: quad_x, x
    out = quad_x + x  # line +1; active: out, quad_x, x
    return out  # line +1
