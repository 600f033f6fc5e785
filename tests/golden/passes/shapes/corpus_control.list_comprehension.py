    len_ws = len(ws)  # line +1; shape of len_ws: its own
    len_xs = len(xs)  # line +1; shape of len_xs: its own
    min_len_ws_len_xs = min(len_ws, len_xs)  # line +1; shape of min_len_ws_len_xs: its own
    iterations = 0  # line +1; shape of iterations: a scalar's
    out = sum(items)  # line +1; shape of out: its own
