# srcad: gradient of with_defaults (corpus.py:+0) with respect to x
# returns (out, gradient)
