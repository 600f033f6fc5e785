def logistic_loss(w, X, y):
    logits = X @ w  # line +2
    p = 1 / (1 + np.exp(-logits))  # line +3
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))  # line +4
