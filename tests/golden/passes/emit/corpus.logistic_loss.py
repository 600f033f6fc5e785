# srcad: gradient of logistic_loss (corpus.py:+0) with respect to w
# returns (out, gradient)
