    q = x + y  # line +1; shape of q: its own
    f = q * z  # line +2; shape of f: its own
