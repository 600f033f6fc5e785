def jvp_list_comprehension(ws, xs, *, ws_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line +1: return sum([w * x for w, x in zip(ws, xs)])
    items = []
    items_dot = []
    check_sequence(ws, 'ws', 'corpus_control.py:+1')
    len_ws = len(ws)
    check_sequence(xs, 'xs', 'corpus_control.py:+1')
    len_xs = len(xs)
    min_len_ws_len_xs = min(len_ws, len_xs)
    for item_index in range(min_len_ws_len_xs):
        ws_item_index = ws[item_index]
        ws_item_index_dot = ws_dot[item_index]
        xs_item_index = xs[item_index]
        w_2 = ws_item_index
        w_2_dot = ws_item_index_dot
        x_2 = xs_item_index
        w_2_times_x_2 = w_2 * x_2
        w_2_times_x_2_dot = w_2_dot * x_2
        lst = [w_2_times_x_2]
        lst_dot = [w_2_times_x_2_dot]
        items_dot = items_dot + lst_dot
        items = items + lst
    out = sum(items)
    out_dot = tangent_sum(items_dot)
    return (out, out_dot)
