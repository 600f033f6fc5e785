    y = x  # line +1; ops: rule copy
    steps = 0  # line +2; ops: rule no gradient
    iterations = 0  # line +3; ops: rule no gradient
        iterations += 1  # line +3; ops: effect
        y_times_1_7 = y * 1.7  # line +4; ops: rule operator.mul
        y = y_times_1_7 + 0.3  # line +4; ops: rule operator.add
        steps = steps + 1  # line +5; ops: rule operator.add
    return y  # line +6; ops: effect
