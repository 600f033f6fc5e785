def jvp_logistic_loss(w, X, y, *, w_dot):
    # the function, each value followed by its tangent (<name>_dot: the derivative of <name> along the tangents given)
    # line +2: logits = X @ w
    logits = X @ w
    logits_dot = X @ w_dot
    # line +3: p = 1 / (1 + np.exp(-logits))
    neg_logits = -logits
    neg_logits_dot = -logits_dot
    exp_neg_logits = np.exp(neg_logits)
    exp_neg_logits_dot = neg_logits_dot * exp_neg_logits
    total = 1 + exp_neg_logits
    total_dot = exp_neg_logits_dot
    p = 1 / total
    p_dot = -total_dot * p / total
    # line +4: return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    log_p = np.log(p)
    log_p_dot = np.divide(p_dot, p)
    y_times_log_p = y * log_p
    y_times_log_p_dot = y * log_p_dot
    one_minus_y = 1 - y
    one_minus_p = 1 - p
    one_minus_p_dot = -p_dot
    log_one_minus_p = np.log(one_minus_p)
    log_one_minus_p_dot = np.divide(one_minus_p_dot, one_minus_p)
    prod = one_minus_y * log_one_minus_p
    prod_dot = one_minus_y * log_one_minus_p_dot
    total_2 = y_times_log_p + prod
    total_2_dot = y_times_log_p_dot + prod_dot
    mean_total_2 = np.mean(total_2)
    mean_total_2_dot = np.mean(total_2_dot, axis=None, keepdims=False)
    out = -mean_total_2
    out_dot = -mean_total_2_dot
    return (out, out_dot)
