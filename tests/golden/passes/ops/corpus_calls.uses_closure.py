    quad_x = quad(x)  # line +1; ops: call make_scaled.<locals>.scaled
    out = quad_x + x  # line +1; ops: rule operator.add
    return out  # line +1; ops: effect
