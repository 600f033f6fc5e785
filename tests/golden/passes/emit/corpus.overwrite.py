# srcad: gradient of overwrite (corpus.py:+0) with respect to a, b
# returns (out, gradient)
