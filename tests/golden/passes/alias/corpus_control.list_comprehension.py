def list_comprehension(ws, xs):
    items = []  # line +1
    len_ws = len(ws)  # line +1
    len_xs = len(xs)  # line +1
    min_len_ws_len_xs = min(len_ws, len_xs)  # line +1
    iterations = 0  # line +1
    for item_index in range(min_len_ws_len_xs):  # line +1
        iterations += 1  # line +1
        ws_item_index = ws[item_index]  # line +1
        xs_item_index = xs[item_index]  # line +1
        w_2 = ws_item_index  # line +1
        x_2 = xs_item_index  # line +1
        w_2_times_x_2 = w_2 * x_2  # line +1
        lst = [w_2_times_x_2]  # line +1
        items = items + lst  # line +1
    out = sum(items)  # line +1
    return out  # line +1
