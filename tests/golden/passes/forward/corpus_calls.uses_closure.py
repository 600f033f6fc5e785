def jvp_uses_closure(x, *, x_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line +1: return quad(x) + x
    quad_x, quad_x_dot = jvp_scaled(x, t_dot=x_dot)
    out = quad_x + x
    out_dot = quad_x_dot + x_dot
    return (out, out_dot)
