    q = x + y  # line +1; shape of q: broadcast of x, y
    f = q * z  # line +2; shape of f: broadcast of x, y, z
