# srcad: gradient of textbook_sum_times (corpus.py:+0) with respect to x, z
# returns (f, gradient)
