def grad_list_comprehension(ws, xs):
    # forward: the function, one operation per line
    # values the backward pass needs, saved as loops overwrite them
    stack = []
    # assigned later, saved before each assignment: w_2, x_2, lst
    w_2 = None
    x_2 = None
    lst = None
    # line +1: return sum([w * x for w, x in zip(ws, xs)])
    items = []
    check_sequence(ws, 'ws', 'corpus_control.py:+1')
    len_ws = len(ws)
    check_sequence(xs, 'xs', 'corpus_control.py:+1')
    len_xs = len(xs)
    min_len_ws_len_xs = min(len_ws, len_xs)
    for item_index in range(min_len_ws_len_xs):
        ws_item_index = ws[item_index]
        xs_item_index = xs[item_index]
        # save the shape of w_2 (overwritten here; the backward pass reads it)
        stack.append(shape_only(w_2))
        w_2 = ws_item_index
        # save x_2 (overwritten here; the backward pass reads it)
        stack.append(x_2)
        x_2 = xs_item_index
        w_2_times_x_2 = w_2 * x_2
        # save lst (overwritten here; the backward pass reads it)
        stack.append(lst)
        lst = [w_2_times_x_2]
        # save items (overwritten here; the backward pass reads it)
        stack.append(items)
        items = items + lst
    out = sum(items)
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line +1: return sum([w * x for w, x in zip(ws, xs)])
    ditems = unsum_sequence(dout, items)
    dws = zeros_like(ws)
    for item_index in reversed(range(min_len_ws_len_xs)):
        items = stack.pop()
        dlst = adjoint_like(lst, ditems[len(items):])
        ditems = adjoint_like(items, ditems[:len(items)])
        dw_2_times_x_2 = dlst[0]
        lst = stack.pop()
        dw_2 = unbroadcast(dw_2_times_x_2 * x_2, w_2)
        x_2 = stack.pop()
        dws_item_index = dw_2
        w_2 = stack.pop()
        dws = dws + unindex(dws_item_index, ws, item_index)
    return (out, dws)
