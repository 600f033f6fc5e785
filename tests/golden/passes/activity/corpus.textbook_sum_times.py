    q = x + y  # line +1; active: q, x
    f = q * z  # line +2; active: f, q, z
