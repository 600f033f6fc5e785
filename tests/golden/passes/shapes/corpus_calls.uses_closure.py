    quad_x = quad(x)  # line +1; shape of quad_x: its own
    out = quad_x + x  # line +1; shape of out: its own
