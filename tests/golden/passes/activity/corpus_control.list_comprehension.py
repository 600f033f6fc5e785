def list_comprehension(ws, xs):
    items = []  # line +1; active: items
    len_ws = len(ws)  # line +1
    len_xs = len(xs)  # line +1
    min_len_ws_len_xs = min(len_ws, len_xs)  # line +1
    iterations = 0  # line +1
    for item_index in range(min_len_ws_len_xs):  # line +1
        iterations += 1  # line +1
        ws_item_index = ws[item_index]  # line +1; active: ws, ws_item_index
        xs_item_index = xs[item_index]  # line +1
        w_2 = ws_item_index  # line +1; active: w_2, ws_item_index
        x_2 = xs_item_index  # line +1
        w_2_times_x_2 = w_2 * x_2  # line +1; active: w_2, w_2_times_x_2
        lst = [w_2_times_x_2]  # line +1; active: lst, w_2_times_x_2
        items = items + lst  # line +1; active: items, lst
    out = sum(items)  # line +1; active: items, out
    return out  # line +1
