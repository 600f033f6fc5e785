def jvp_break_in_loop(x, *, x_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line +0: def break_in_loop(x):
    returned = False
    result = None
    result_dot = zero_tangent(result)
    # line +1: s = 0.0
    s = 0.0
    s_dot = zero_tangent(s)
    # line +2: for i in range(20):
    break_flag = False
    for i in range(20):
        # line +3: s = s + x * i
        x_times_i = x * i
        x_times_i_dot = x_dot * i
        s_dot = s_dot + x_times_i_dot
        s = s + x_times_i
        # line +4: if s > 5.0:
        cond = s > 5.0
        if cond:
            # line +5: break
            break_flag = True
        # line +2: for i in range(20):
        if break_flag:
            break
    # line +6: return s * x
    result = s * x
    result_dot = s_dot * x + s * x_dot
    returned = True
    return (result, result_dot)
