def list_comprehension(ws, xs):
    return sum([w * x for w, x in zip(ws, xs)])  # line +1
