"""Functions srcad must refuse, in a real file (errors name it). Line numbers are tested."""

import numpy as np


def uses_interp(x):
    return np.sum(np.interp(x, x, x))
