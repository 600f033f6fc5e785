"""Test helpers for other libraries' arrays: a Dask scheduler that counts the computes it runs."""

from __future__ import annotations

import dask


class Computes:
    """A Dask scheduler that counts the computes it runs."""

    def __init__(self):
        self.count = 0

    def __call__(self, graph, keys, **kwargs):
        self.count += 1
        return dask.get(graph, keys, **kwargs)
