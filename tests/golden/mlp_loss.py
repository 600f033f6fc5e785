# srcad: gradient of mlp_loss (corpus.py:77) with respect to W1, W2
# returns (out, gradient)
def grad_mlp_loss(W1, W2, X, labels, reg):
    # forward: the function, one operation per line
    # line 79: hidden = np.maximum(X @ W1, 0.0)
    X_at_W1 = X @ W1
    hidden = np.maximum(X_at_W1, 0.0)
    # line 80: scores = hidden @ W2
    scores = hidden @ W2
    # line 81: scores = scores - np.max(scores, axis=1, keepdims=True)
    max_scores = np.max(scores, axis=1, keepdims=True)
    # save scores (overwritten here; the backward pass reads it)
    scores_old = scores
    scores = scores - max_scores
    # line 82: logp = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
    exp_scores = np.exp(scores)
    sum_exp_scores = np.sum(exp_scores, axis=1, keepdims=True)
    log_sum_exp_scores = np.log(sum_exp_scores)
    logp = scores - log_sum_exp_scores
    # line 83: data_loss = -np.mean(np.sum(logp * labels, axis=1))
    logp_times_labels = logp * labels
    sum_result = np.sum(logp_times_labels, axis=1)
    mean_sum_result = np.mean(sum_result)
    data_loss = -mean_sum_result
    # line 84: return data_loss + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    W1_times_W1 = W1 * W1
    sum_W1_times_W1 = np.sum(W1_times_W1)
    W2_times_W2 = W2 * W2
    sum_W2_times_W2 = np.sum(W2_times_W2)
    total = sum_W1_times_W1 + sum_W2_times_W2
    reg_times_total = reg * total
    out = data_loss + reg_times_total
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line 84: return data_loss + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    ddata_loss = unbroadcast(dout, data_loss)
    dreg_times_total = dout
    dtotal = unbroadcast(reg * dreg_times_total, total)
    dsum_W1_times_W1 = dtotal
    dsum_W2_times_W2 = dtotal
    dW2_times_W2 = unsum(dsum_W2_times_W2, W2_times_W2)
    dW2 = 2 * (dW2_times_W2 * W2)
    dW1_times_W1 = unsum(dsum_W1_times_W1, W1_times_W1)
    dW1 = 2 * (dW1_times_W1 * W1)
    # line 83: data_loss = -np.mean(np.sum(logp * labels, axis=1))
    dmean_sum_result = -ddata_loss
    dsum_result = unmean(dmean_sum_result, sum_result)
    dlogp_times_labels = unsum(dsum_result, logp_times_labels, 1)
    dlogp = unbroadcast(dlogp_times_labels * labels, logp)
    # line 82: logp = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
    dscores = unbroadcast(dlogp, scores)
    dlog_sum_exp_scores = unbroadcast(-dlogp, log_sum_exp_scores)
    dsum_exp_scores = np.divide(dlog_sum_exp_scores, sum_exp_scores)
    dexp_scores = unsum(dsum_exp_scores, exp_scores, 1, True)
    dscores = dscores + dexp_scores * exp_scores
    # line 81: scores = scores - np.max(scores, axis=1, keepdims=True)
    dmax_scores = unbroadcast(-dscores, max_scores)
    dscores = unbroadcast(dscores, scores_old)
    scores = scores_old
    dscores = dscores + unmax(dmax_scores, scores, max_scores, 1, True)
    # line 80: scores = hidden @ W2
    dhidden = matmul_dx(dscores, hidden, W2)
    dW2 = dW2 + matmul_dy(dscores, hidden, W2)
    # line 79: hidden = np.maximum(X @ W1, 0.0)
    dX_at_W1 = tie_shared(dhidden, X_at_W1 > 0.0, X_at_W1 == 0.0)
    dW1 = dW1 + matmul_dy(dX_at_W1, X, W1)
    return (out, (dW1, dW2))
