    items = []  # line +1; ops: rule no gradient
    len_ws = len(ws)  # line +1; ops: rule no gradient
    len_xs = len(xs)  # line +1; ops: rule no gradient
    min_len_ws_len_xs = min(len_ws, len_xs)  # line +1; ops: rule min
    iterations = 0  # line +1; ops: rule no gradient
        iterations += 1  # line +1; ops: effect
        ws_item_index = ws[item_index]  # line +1; ops: rule operator.getitem
        xs_item_index = xs[item_index]  # line +1; ops: rule operator.getitem
        w_2 = ws_item_index  # line +1; ops: rule copy
        x_2 = xs_item_index  # line +1; ops: rule copy
        w_2_times_x_2 = w_2 * x_2  # line +1; ops: rule operator.mul
        lst = [w_2_times_x_2]  # line +1; ops: rule list
        items = items + lst  # line +1; ops: rule concatenation
    out = sum(items)  # line +1; ops: rule sum
    return out  # line +1; ops: effect
