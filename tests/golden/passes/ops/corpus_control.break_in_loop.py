    returned = False  # line +0; ops: rule no gradient
    result = None  # line +0; ops: rule no gradient
    s = 0.0  # line +1; ops: rule no gradient
    break_flag = False  # line +2; ops: rule no gradient
    iterations = 0  # line +2; ops: rule no gradient
        iterations += 1  # line +2; ops: effect
        x_times_i = x * i  # line +3; ops: rule operator.mul
        s = s + x_times_i  # line +3; ops: rule operator.add
        cond = s > 5.0  # line +4; ops: rule no gradient
            break_flag = True  # line +5; ops: rule no gradient
            break  # line +2; ops: effect
    result = s * x  # line +6; ops: rule operator.mul
    returned = True  # line +6; ops: rule no gradient
    return result  # line +6; ops: effect
