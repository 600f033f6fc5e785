def uses_closure(x):
    return quad(x) + x  # line +1
