"""Functions srcad must refuse, in a real file (errors name it). Line numbers are tested."""

import numpy as np


def uses_cumsum(x):
    return np.sum(np.cumsum(x))
