"""Functions srcad must refuse, in a real file (errors name it and a line relative to the def)."""

import numpy as np


def uses_emath(x):
    return np.sum(np.emath.sqrt(x))
