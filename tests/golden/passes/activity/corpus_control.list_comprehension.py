    items = []  # line +1; active: items
        ws_item_index = ws[item_index]  # line +1; active: ws, ws_item_index
        w_2 = ws_item_index  # line +1; active: w_2, ws_item_index
        w_2_times_x_2 = w_2 * x_2  # line +1; active: w_2, w_2_times_x_2
        lst = [w_2_times_x_2]  # line +1; active: lst, w_2_times_x_2
        items = items + lst  # line +1; active: items, lst
    out = sum(items)  # line +1; active: items, out
