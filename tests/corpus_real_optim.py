"""Realistic programs (issue #15): simulations with trajectory lists, Gaussian processes, physics
energies, signal processing, statistics. ``CASES``, ``REFUSED``, ``BUGS``, ``AUTOGRAD`` as in
tests/corpus_real_models.py."""

CASES = {}
REFUSED = {}
BUGS = {}
