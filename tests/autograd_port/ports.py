"""Every ported autograd test file, in one place: :data:`PORTS` (one
:class:`~autograd_port.harness.Port` each) and :func:`all_checks`."""

import importlib

MODULES = ["port_numpy", "port_systematic", "port_linalg", "port_scipy", "port_fft",
           "port_complex", "port_wrappers"]
FILES = ["test_numpy.py", "test_systematic.py", "test_linalg.py", "test_scipy.py", "test_fft.py",
         "test_complex.py", "test_builtins.py", "test_wrappers.py"]


def ports():
    """The :class:`Port` of each autograd file, in :data:`FILES` order."""
    found = {}
    for name in MODULES:
        module = importlib.import_module(f"{__package__}.{name}")
        for value in vars(module).values():
            if type(value).__name__ == "Port":
                found[value.file] = value
    return [found[f] for f in FILES]


def all_checks():
    return [c for p in ports() for c in p.checks]


def all_skipped():
    return [s for p in ports() for s in p.skipped]
