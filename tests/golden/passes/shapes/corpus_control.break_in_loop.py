    iterations = 0  # line +2; shape of iterations: its own
