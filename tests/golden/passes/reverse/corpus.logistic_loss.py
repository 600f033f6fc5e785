def grad_logistic_loss(w, X, y):
    # forward: the function, one operation per line
    # line +2: logits = X @ w
    logits = X @ w
    # line +3: p = 1 / (1 + np.exp(-logits))
    neg_logits = -logits
    exp_neg_logits = np.exp(neg_logits)
    total = 1 + exp_neg_logits
    p = 1 / total
    # line +4: return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    log_p = np.log(p)
    y_times_log_p = y * log_p
    one_minus_y = 1 - y
    one_minus_p = 1 - p
    log_one_minus_p = np.log(one_minus_p)
    prod = one_minus_y * log_one_minus_p
    total_2 = y_times_log_p + prod
    mean_total_2 = np.mean(total_2)
    out = -mean_total_2
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line +4: return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    dmean_total_2 = -dout
    dtotal_2 = unmean(dmean_total_2, total_2)
    dy_times_log_p = unbroadcast(dtotal_2, y_times_log_p)
    dprod = unbroadcast(dtotal_2, prod)
    dlog_one_minus_p = unbroadcast(one_minus_y * dprod, log_one_minus_p)
    done_minus_p = np.divide(dlog_one_minus_p, one_minus_p)
    dp = -done_minus_p
    dlog_p = unbroadcast(y * dy_times_log_p, log_p)
    dp = dp + np.divide(dlog_p, p)
    # line +3: p = 1 / (1 + np.exp(-logits))
    dtotal = -dp * p / total
    dexp_neg_logits = dtotal
    dneg_logits = dexp_neg_logits * exp_neg_logits
    dlogits = -dneg_logits
    # line +2: logits = X @ w
    dw = matmul_dy(dlogits, X, w)
    return (out, dw)
