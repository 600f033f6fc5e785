def uses_closure(x):
    quad_x = quad(x)  # line +1
    out = quad_x + x  # line +1
    return out  # line +1
