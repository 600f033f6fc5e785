    q = x + y  # line +1; ops: rule operator.add
    f = q * z  # line +2; ops: rule operator.mul
    return f  # line +3; ops: effect
