def logistic_loss(w, X, y):
    logits = X @ w  # line +2; shape of logits: its own
    neg_logits = -logits  # line +3; shape of neg_logits: broadcast of logits
    exp_neg_logits = np.exp(neg_logits)  # line +3; shape of exp_neg_logits: broadcast of logits
    total = 1 + exp_neg_logits  # line +3; shape of total: broadcast of logits
    p = 1 / total  # line +3; shape of p: broadcast of logits
    log_p = np.log(p)  # line +4; shape of log_p: broadcast of logits
    y_times_log_p = y * log_p  # line +4; shape of y_times_log_p: broadcast of logits, y
    one_minus_y = 1 - y  # line +4; shape of one_minus_y: broadcast of y
    one_minus_p = 1 - p  # line +4; shape of one_minus_p: broadcast of logits
    log_one_minus_p = np.log(one_minus_p)  # line +4; shape of log_one_minus_p: broadcast of logits
    prod = one_minus_y * log_one_minus_p  # line +4; shape of prod: broadcast of logits, y
    total_2 = y_times_log_p + prod  # line +4; shape of total_2: broadcast of logits, y
    mean_total_2 = np.mean(total_2)  # line +4; shape of mean_total_2: its own
    out = -mean_total_2  # line +4; shape of out: broadcast of mean_total_2
    return out  # line +4
