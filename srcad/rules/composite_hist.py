"""Composite rules (:mod:`srcad.rules.composites`), histograms: ``np.histogram`` and
``np.histogram_bin_edges``.

Accepts: nothing; importing registers the entries.
Guarantees: as :mod:`srcad.rules.composite_stats` (NumPy's own ``numpy/lib/_histograms_impl.py``
followed). The edges of equal bins are ``np.linspace`` between the outer edges, the range given or
the data's minimum and maximum: they carry the gradient of those. Which bin each value falls in
is NumPy's own answer (:func:`bin_index`, from NumPy's own edges: ``[e_k, e_k+1)``, the last bin
closed, values outside and NaN in none), so the counts are piecewise constant in ``a`` (no
gradient) and, with ``weights``, linear in the weights; ``density=True`` divides by the bin widths
and the total, and so carries the gradient of the edges too. The number of bins a string
estimator (``bins="auto"``) chooses is NumPy's, and piecewise constant.
"""

from __future__ import annotations

import numpy as np

from .composite_stats import cast
from .composites import defcomposite, internal


def bin_count(a, bins, range, weights):
    """How many bins NumPy makes of ``a`` for ``bins`` (an integer or an estimator's name)."""
    return len(np.histogram_bin_edges(a, bins, range, weights)) - 1


def bin_index(a, bins, range, weights):
    """The bin of each value of ``np.ravel(a)`` (-1 for none): NumPy's own edges, each bin
    ``[e_k, e_k+1)`` but the last, which is closed."""
    edges = np.histogram_bin_edges(a, bins, range, weights)
    a = np.ravel(a)
    index = np.searchsorted(edges, a, side="right") - 1
    index[a == edges[-1]] = len(edges) - 2
    index[~((a >= edges[0]) & (a <= edges[-1]))] = -1
    return index


def unweighted_counts(a, bins, range):
    """``np.histogram(a, bins, range)``'s counts (integers: no gradient)."""
    return np.histogram(a, bins, range)[0]


internal(nondiff=(bin_count, bin_index, unweighted_counts))


def histogram_bin_edges(a, bins=10, range=None, weights=None):
    if not isinstance(bins, str) and np.ndim(bins) == 1:
        checked = bin_count(a, bins, range, weights)  # (NumPy checks the arguments here)
        return np.asarray(bins) if checked >= 0 else None
    n = bin_count(a, bins, range, weights)
    a = np.ravel(np.asarray(a))
    if range is not None:
        first, last = range[0], range[1]
    elif a.size == 0:
        first, last = 0, 1
    else:
        first, last = np.min(a), np.max(a)
    if first == last:
        first = first - 0.5
        last = last + 0.5
    dtype = np.result_type(first, last, a)
    if np.issubdtype(dtype, np.integer):
        dtype = np.result_type(dtype, float)
    return cast(np.linspace(first, last, n + 1), dtype)


def histogram(a, bins=10, range=None, density=None, weights=None):
    edges = histogram_bin_edges(a, bins, range, weights)
    if weights is None:
        n = unweighted_counts(a, bins, range)
    else:
        index = bin_index(a, bins, range, weights)
        kept = index >= 0
        w = np.ravel(weights)[kept]
        size = len(edges) - 1
        if np.iscomplexobj(w):
            n = np.bincount(index[kept], np.real(w), size) \
                + 1j * np.bincount(index[kept], np.imag(w), size)
        else:
            n = np.bincount(index[kept], w, size)
        n = cast(n, np.asarray(weights).dtype)
    if density:
        widths = cast(np.diff(edges), np.dtype(float))
        return n / widths / np.sum(n), edges
    return n, edges


defcomposite(np.histogram_bin_edges, histogram_bin_edges)
defcomposite(np.histogram, histogram)
