"""Passes 4 and 5 together, for code that still calls them as one: ``normalize = anf . desugar``.

Kept only so that existing imports (``from srcad.passes.normalize import normalize, Normalized``)
keep working; new code calls :func:`srcad.passes.desugar.desugar` and then
:func:`srcad.passes.anf.anf`, as :mod:`srcad.pipeline` does.
"""

from __future__ import annotations

from .anf import Normalized, anf, dotted_name_of
from .desugar import desugar
from .parse import local_names

__all__ = ["Normalized", "dotted_name_of", "local_names", "normalize"]


def normalize(parsed, namer) -> Normalized:
    """The function ``parsed.tree`` desugared, then in A-normal form."""
    return anf(parsed, desugar(parsed, namer), namer)
