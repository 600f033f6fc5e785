    result = None  # line +0; active: result
    s = 0.0  # line +1; active: s
        x_times_i = x * i  # line +3; active: x, x_times_i
        s = s + x_times_i  # line +3; active: s, x_times_i
    result = s * x  # line +6; active: result, s, x
