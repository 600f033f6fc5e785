"""A port of autograd's own test suite (https://github.com/HIPS/autograd, MIT license): each
gradient check of a NumPy or SciPy function there, as a check of srcad (harness.py)."""
