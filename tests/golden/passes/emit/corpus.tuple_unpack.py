# srcad: gradient of tuple_unpack (corpus.py:+0) with respect to x
# returns (out, gradient)
