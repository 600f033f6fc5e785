# srcad: gradient of logreg_loss (corpus_real_models.py:168) with respect to params
# returns (out, gradient)
def grad_logreg_loss(params, x, y):
    # forward: the function, one operation per line
    # line 169: logits = x @ params.w + params.b
    params_w = params.w
    x_at_params_w = x @ params_w
    params_b = params.b
    logits = x_at_params_w + params_b
    # line 170: return np.mean(np.logaddexp(0.0, logits) - y * logits)
    logaddexp_result = np.logaddexp(0.0, logits)
    y_times_logits = y * logits
    diff = logaddexp_result - y_times_logits
    out = np.mean(diff)
    # backward: d<name> is the gradient of out with respect to <name>
    dout = seed_scalar(out)
    # line 170: return np.mean(np.logaddexp(0.0, logits) - y * logits)
    ddiff = unmean(dout, diff)
    dlogaddexp_result = unbroadcast(ddiff, logaddexp_result)
    dy_times_logits = unbroadcast(-ddiff, y_times_logits)
    dlogits = unbroadcast(y * dy_times_logits, logits)
    dlogits = dlogits + dlogaddexp_result * np.exp(logits - logaddexp_result)
    # line 169: logits = x @ params.w + params.b
    dx_at_params_w = unbroadcast(dlogits, x_at_params_w)
    dparams_b = unbroadcast(dlogits, params_b)
    dparams = unattribute(dparams_b, params, 'b')
    dparams_w = matmul_dy(dx_at_params_w, x, params_w)
    dparams = dparams + unattribute(dparams_w, params, 'w')
    return (out, dparams)
