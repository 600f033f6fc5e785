    quad_x = quad(x)  # line +1; active: quad_x, x
    out = quad_x + x  # line +1; active: out, quad_x, x
