# srcad: Jacobian-vector product of for_range_arg (corpus_control.py:12) along tangents of x
# returns (y, tangent of y)
def jvp_for_range_arg(x, n, *, x_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line 13: y = 1.0
    y = 1.0
    y_dot = zero_tangent(y)
    # line 14: for i in range(n):
    for i in range(n):
        # line 15: y = y * x + np.sin(y)
        y_times_x = y * x
        y_times_x_dot = y_dot * x + y * x_dot
        sin_y = np.sin(y)
        sin_y_dot = y_dot * np.cos(y)
        y = y_times_x + sin_y
        y_dot = y_times_x_dot + sin_y_dot
    return (y, y_dot)
