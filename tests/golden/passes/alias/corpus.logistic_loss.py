def logistic_loss(w, X, y):
    logits = X @ w  # line +2
    neg_logits = -logits  # line +3
    exp_neg_logits = np.exp(neg_logits)  # line +3
    total = 1 + exp_neg_logits  # line +3
    p = 1 / total  # line +3
    log_p = np.log(p)  # line +4
    y_times_log_p = y * log_p  # line +4
    one_minus_y = 1 - y  # line +4
    one_minus_p = 1 - p  # line +4
    log_one_minus_p = np.log(one_minus_p)  # line +4
    prod = one_minus_y * log_one_minus_p  # line +4
    total_2 = y_times_log_p + prod  # line +4
    mean_total_2 = np.mean(total_2)  # line +4
    out = -mean_total_2  # line +4
    return out  # line +4
