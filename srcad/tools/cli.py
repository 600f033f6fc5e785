"""The command line: ``python -m srcad show FILE.py:NAME | MODULE:NAME [options]``.

Accepts one command, ``show``, with the function to differentiate named as a file path and a
(possibly dotted) name in it, or an importable module and a name; ``--wrt NAMES`` or ``--argnums
K,...`` choose the parameters (default: the first), ``--mode forward`` the JVP function instead of
the gradient, ``--raw`` the unsimplified templates. ``python -m srcad show --help`` lists them.

Guarantees: on success, :func:`main` writes exactly the text ``srcad.source`` returns to stdout
(ANSI-coloured by :mod:`.highlight` only on a terminal or with ``--color always``) and returns 0.
A target that cannot be found or loaded, or a parameter the function does not have, exits with
status 1 and a message ``srcad: ...`` on stderr; an error srcad raises for the function's code is
printed the same way and :func:`main` returns 1; bad options exit with status 2 (argparse).
Loading ``FILE.py`` runs that file as a module named after it, with its folder first on
``sys.path`` (so that its own imports work), in this process.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import os
import sys

from .. import api
from ..errors import SrcadError
from .highlight import highlight


def load_target(target: str):
    """``path/to/file.py:function`` or ``package.module:function`` -> the function object."""
    if ":" not in target:
        raise SystemExit(f"srcad: give the function as FILE.py:NAME or MODULE:NAME, not {target!r}")
    where, name = target.rsplit(":", 1)
    if where.endswith(".py") or os.sep in where:
        path = os.path.abspath(where)
        if not os.path.isfile(path):
            raise SystemExit(f"srcad: no such file: {where}")
        sys.path.insert(0, os.path.dirname(path))
        module_name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as exc:
            raise SystemExit(f"srcad: cannot import {where}: {exc}") from None
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            functions = sorted(k for k, v in vars(module).items()
                               if callable(v) and getattr(v, "__module__", None) == module.__name__)
            raise SystemExit(f"srcad: no function {name!r} in {where} "
                             f"(it defines: {', '.join(functions) or 'no functions'})")
        obj = getattr(obj, part)
    return obj


def _argnums(fun, wrt: str | None, argnums: str | None):
    """The ``argnums`` for ``--wrt NAMES`` or ``--argnums K,...``: an int for one, else a tuple."""
    params = [p.name for p in inspect.signature(fun, follow_wrapped=False).parameters.values()]
    if wrt:
        names = [w.strip() for w in wrt.split(",") if w.strip()]
        unknown = [n for n in names if n not in params]
        if unknown:
            raise SystemExit(f"srcad: {fun.__name__} has no parameter {unknown[0]!r} "
                             f"(it has: {', '.join(params)})")
        nums = [params.index(n) for n in names]
    elif argnums:
        nums = [int(k) for k in argnums.split(",")]
    else:
        nums = [0]
    return nums[0] if len(nums) == 1 else tuple(nums)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m srcad",
                                     description="Show the derivative code srcad generates.")
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser(
        "show", help="print the generated derivative of a function",
        description="Print the gradient function srcad generates for FUNCTION "
                    "(e.g. examples/textbook.py:f, or mypackage.losses:mse).")
    show.add_argument("function", metavar="FILE.py:NAME|MODULE:NAME")
    which = show.add_mutually_exclusive_group()
    which.add_argument("--wrt", metavar="NAMES",
                       help="parameters to differentiate, by name: --wrt W1,W2 "
                            "(default: the first)")
    which.add_argument("--argnums", metavar="K,...",
                       help="parameters to differentiate, by position: --argnums 0,1")
    show.add_argument("--mode", choices=["reverse", "forward"], default="reverse",
                      help="reverse mode (gradients; the default) or forward mode")
    show.add_argument("--raw", action="store_true",
                      help="the templates as instantiated, without simplification")
    show.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                      help="colorize (auto: when writing to a terminal)")
    return parser


def main(argv=None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); the exit status."""
    args = _parser().parse_args(argv)

    fun = load_target(args.function)
    try:
        argnums = _argnums(fun, args.wrt, args.argnums)
        if args.mode == "forward":
            text = api.source(fun, mode="forward", argnums=argnums, optimize=not args.raw)
        else:
            text = api.source(api.grad(fun, argnums, optimize=not args.raw))
    except SrcadError as exc:
        print(f"srcad: {exc}", file=sys.stderr)
        return 1
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    sys.stdout.write(highlight(text) if color else text)
    return 0
