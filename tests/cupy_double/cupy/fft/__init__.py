import numpy as _np
from .. import _function

__all__ = [n for n in dir(_np.fft) if not n.startswith("_") and callable(getattr(_np.fft, n))]


def __getattr__(name):
    return _function(getattr(_np.fft, name))
