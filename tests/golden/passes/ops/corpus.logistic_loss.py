    logits = X @ w  # line +2; ops: rule operator.matmul
    neg_logits = -logits  # line +3; ops: rule operator.neg
    exp_neg_logits = np.exp(neg_logits)  # line +3; ops: rule numpy.exp
    total = 1 + exp_neg_logits  # line +3; ops: rule operator.add
    p = 1 / total  # line +3; ops: rule operator.truediv
    log_p = np.log(p)  # line +4; ops: rule numpy.log
    y_times_log_p = y * log_p  # line +4; ops: rule operator.mul
    one_minus_y = 1 - y  # line +4; ops: rule operator.sub
    one_minus_p = 1 - p  # line +4; ops: rule operator.sub
    log_one_minus_p = np.log(one_minus_p)  # line +4; ops: rule numpy.log
    prod = one_minus_y * log_one_minus_p  # line +4; ops: rule operator.mul
    total_2 = y_times_log_p + prod  # line +4; ops: rule operator.add
    mean_total_2 = np.mean(total_2)  # line +4; ops: rule numpy.mean
    out = -mean_total_2  # line +4; ops: rule operator.neg
    return out  # line +4; ops: effect
