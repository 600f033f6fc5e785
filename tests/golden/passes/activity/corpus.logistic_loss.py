def logistic_loss(w, X, y):
    logits = X @ w  # line +2; active: logits, w
    neg_logits = -logits  # line +3; active: logits, neg_logits
    exp_neg_logits = np.exp(neg_logits)  # line +3; active: exp_neg_logits, neg_logits
    total = 1 + exp_neg_logits  # line +3; active: exp_neg_logits, total
    p = 1 / total  # line +3; active: p, total
    log_p = np.log(p)  # line +4; active: log_p, p
    y_times_log_p = y * log_p  # line +4; active: log_p, y_times_log_p
    one_minus_y = 1 - y  # line +4
    one_minus_p = 1 - p  # line +4; active: one_minus_p, p
    log_one_minus_p = np.log(one_minus_p)  # line +4; active: log_one_minus_p, one_minus_p
    prod = one_minus_y * log_one_minus_p  # line +4; active: log_one_minus_p, prod
    total_2 = y_times_log_p + prod  # line +4; active: prod, total_2, y_times_log_p
    mean_total_2 = np.mean(total_2)  # line +4; active: mean_total_2, total_2
    out = -mean_total_2  # line +4; active: mean_total_2, out
    return out  # line +4
