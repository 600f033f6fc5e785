import numpy as _np
from .. import _function

__all__ = [n for n in dir(_np.linalg) if not n.startswith("_") and callable(getattr(_np.linalg, n))]


def __getattr__(name):
    return _function(getattr(_np.linalg, name))
