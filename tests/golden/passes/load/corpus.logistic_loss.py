# loaded grad_logistic_loss(w, X, y)
