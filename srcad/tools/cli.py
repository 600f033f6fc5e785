"""The command line: ``python -m srcad show|check FILE.py:NAME | MODULE:NAME [options]``.

Commands:

* ``show`` prints the derivative srcad generates: ``--wrt NAMES`` or ``--argnums K,...`` choose
  the parameters (default: the first), ``--mode forward`` the JVP function instead of the gradient,
  ``--raw`` the unsimplified templates;
* ``check`` runs :func:`srcad.check_grads` at the arguments given by ``--args "EXPRS"``: Python
  expressions separated by commas, evaluated with NumPy as ``np`` (``--args "np.ones(3), 2.0"``),
  with ``--wrt``/``--argnums``, ``--order 2`` (also a Hessian-vector product), ``--fwd`` (also
  forward mode), ``--eps``, ``--rtol``, ``--atol``, ``--seed``.

``python -m srcad show --help`` (``check --help``) lists the options.

Loading the function: ``MODULE:NAME`` imports the module; ``FILE.py:NAME`` runs that file as a
module named after it, with its folder first on ``sys.path`` (so that its own imports work), in
this process: **its top-level code runs** (as ``import`` would; code under ``if __name__ ==
"__main__":`` does not). ``--no-import`` reads the file's source instead: only its top-level
``import`` statements and the ``def`` of NAME (without its decorators) are run, nothing else of the
file, so a function that reads the file's other globals (a constant, a helper defined there) is
refused with a message saying so (run without ``--no-import`` for those).

Guarantees: on success, ``show`` writes exactly the text ``srcad.source`` returns to stdout
(ANSI-coloured by :mod:`.highlight` only on a terminal or with ``--color always``) and
:func:`main` returns 0; ``check`` prints one line per argument checked and returns 0, or prints
the mismatch and returns 1. A target that cannot be found or loaded, or a parameter the function
does not have, exits with status 1 and a message ``srcad: ...`` on stderr; an error srcad raises
for the function's code is printed the same way and :func:`main` returns 1; bad options exit with
status 2 (argparse).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import inspect
import os
import sys
from typing import Any

import numpy as np

from .. import api
from ..errors import SrcadError, UndefinedNameError
from .highlight import highlight

_NO_IMPORT_NOTE = ("--no-import ran only the file's import statements and this def; the function "
                   "reads something else the file defines when it runs: run without --no-import "
                   "(which runs the file's top-level code)")


def load_target(target: str, no_import: bool = False) -> Any:
    """``path/to/file.py:function`` or ``package.module:function`` -> the function object
    (``no_import``: a file's source read, see the module docstring)."""
    if ":" not in target:
        raise SystemExit(f"srcad: give the function as FILE.py:NAME or MODULE:NAME, not {target!r}")
    where, name = target.rsplit(":", 1)
    if where.endswith(".py") or os.sep in where:
        path = os.path.abspath(where)
        if not os.path.isfile(path):
            raise SystemExit(f"srcad: no such file: {where}")
        if no_import:
            return _read_def(path, name)
        sys.path.insert(0, os.path.dirname(path))
        module_name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    else:
        if no_import:
            raise SystemExit(f"srcad: --no-import reads a file (FILE.py:NAME), not a module: {where}")
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


def _read_def(path: str, name: str) -> Any:
    """The function ``name`` of the file at ``path``, made by running only the file's top-level
    ``import`` statements and its ``def`` (decorators dropped); the file's other code never runs."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    try:
        tree = ast.parse(text, path)
    except SyntaxError as exc:
        raise SystemExit(f"srcad: cannot parse {path}: {exc}") from None
    if "." in name:
        raise SystemExit(f"srcad: --no-import finds top-level functions only, not {name!r} (run "
                         "without --no-import for a method)")
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    if not defs:
        found = sorted(n.name for n in tree.body if isinstance(n, ast.FunctionDef))
        raise SystemExit(f"srcad: no top-level def {name!r} in {path} "
                         f"(it defines: {', '.join(found) or 'no functions'})")
    fndef = defs[-1]  # (the one a run of the file would leave bound)
    if fndef.decorator_list:  # the code object starts at the first decorator's line, as Python's
        fndef.lineno = min(d.lineno for d in fndef.decorator_list)
        fndef.decorator_list = []
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
               and not (isinstance(n, ast.ImportFrom) and n.level)]
    module_name = os.path.splitext(os.path.basename(path))[0]
    namespace: dict[str, Any] = {"__name__": module_name, "__file__": path}
    sys.path.insert(0, os.path.dirname(path))
    try:
        exec(compile(ast.Module(body=imports, type_ignores=[]), path, "exec"), namespace)
    except Exception as exc:  # noqa: BLE001 -- said, with the cause
        raise SystemExit(f"srcad: the imports of {path} failed: {type(exc).__name__}: {exc}") \
            from None
    exec(compile(ast.Module(body=[fndef], type_ignores=[]), path, "exec"), namespace)
    return namespace[name]


def _argnums(fun: Any, wrt: str | None, argnums: str | None) -> int | tuple[int, ...]:
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


def _which(command: argparse.ArgumentParser) -> None:
    """The options every command has: the function, the parameters, how to load it."""
    command.add_argument("function", metavar="FILE.py:NAME|MODULE:NAME")
    which = command.add_mutually_exclusive_group()
    which.add_argument("--wrt", metavar="NAMES",
                       help="parameters to differentiate, by name: --wrt W1,W2 "
                            "(default: the first)")
    which.add_argument("--argnums", metavar="K,...",
                       help="parameters to differentiate, by position: --argnums 0,1")
    command.add_argument("--no-import", action="store_true",
                         help="do not run FILE.py's top-level code: run only its import "
                              "statements and the def of NAME (a function reading the file's "
                              "other globals is refused)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m srcad",
        description="Show the derivative code srcad generates, or check it against finite "
                    "differences. FILE.py:NAME runs FILE.py's top-level code as an import would "
                    "(see --no-import).")
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser(
        "show", help="print the generated derivative of a function",
        description="Print the gradient function srcad generates for FUNCTION "
                    "(e.g. examples/textbook.py:f, or mypackage.losses:mse). Loading FILE.py runs "
                    "its top-level code, as an import would, unless --no-import is given.")
    _which(show)
    show.add_argument("--mode", choices=["reverse", "forward"], default="reverse",
                      help="reverse mode (gradients; the default) or forward mode")
    show.add_argument("--raw", action="store_true",
                      help="the templates as instantiated, without simplification")
    show.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                      help="colorize (auto: when writing to a terminal)")
    check = commands.add_parser(
        "check", help="check a function's gradient against finite differences",
        description="Run srcad.check_grads on FUNCTION at the arguments --args gives, e.g. "
                    "python -m srcad check examples/textbook.py:f --args \"-2.0, 5.0, -4.0\".")
    _which(check)
    check.add_argument("--args", required=True, metavar="EXPRS", dest="call_args",
                       help="the arguments: Python expressions separated by commas, evaluated "
                            "with NumPy as np, e.g. --args \"np.ones(3), 2.0\"")
    check.add_argument("--order", type=int, choices=[1, 2], default=1,
                       help="2: also check a Hessian-vector product (forward over reverse)")
    check.add_argument("--fwd", action="store_true", help="also check forward mode (a JVP)")
    check.add_argument("--eps", type=float, default=1e-6, help="finite-difference step")
    check.add_argument("--rtol", type=float, default=1e-5, help="relative tolerance")
    check.add_argument("--atol", type=float, default=1e-7, help="absolute tolerance")
    check.add_argument("--seed", type=int, default=0, help="seed of the random directions")
    return parser


def _call_args(text: str) -> tuple[Any, ...]:
    """The arguments ``--args`` gives: ``text`` evaluated as a tuple, NumPy bound as ``np``."""
    try:
        value = eval(f"({text},)", {"np": np, "numpy": np})  # noqa: S307 -- the user's own input
    except Exception as exc:  # noqa: BLE001 -- said, with the cause
        raise SystemExit(f"srcad: cannot evaluate --args {text!r}: {type(exc).__name__}: {exc}") \
            from None
    return tuple(value)


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); the exit status."""
    args = _parser().parse_args(argv)

    fun = load_target(args.function, no_import=args.no_import)
    try:
        argnums = _argnums(fun, args.wrt, args.argnums)
        if args.command == "check":
            return _check(fun, argnums if args.wrt or args.argnums else None, args)
        if args.mode == "forward":
            text = api.source(fun, mode="forward", argnums=argnums, optimize=not args.raw)
        else:
            text = api.source(api.grad(fun, argnums, optimize=not args.raw))
    except UndefinedNameError as exc:
        note = f"\n  ({_NO_IMPORT_NOTE})" if args.no_import else ""
        print(f"srcad: {exc}{note}", file=sys.stderr)
        return 1
    except SrcadError as exc:
        print(f"srcad: {exc}", file=sys.stderr)
        return 1
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    sys.stdout.write(highlight(text) if color else text)
    return 0


def _check(fun: Any, argnums: int | tuple[int, ...] | None, args: argparse.Namespace) -> int:
    """``python -m srcad check``: :func:`srcad.check_grads` at ``--args``; the exit status."""
    from .check import GradientCheckError, check_grads

    call_args = _call_args(args.call_args)
    modes = ("rev", "fwd") if args.fwd else ("rev",)
    try:
        check_grads(fun, call_args, order=args.order, modes=modes, argnums=argnums, eps=args.eps,
                    rtol=args.rtol, atol=args.atol, seed=args.seed)
    except GradientCheckError as exc:
        print(f"srcad: {exc}", file=sys.stderr)
        return 1
    checked = "reverse mode" + (", forward mode" if args.fwd else "") + \
        (", Hessian-vector products" if args.order == 2 else "")
    name = getattr(fun, "__qualname__", repr(fun))
    print(f"ok: the derivatives of {name} at these arguments agree with finite differences "
          f"({checked})")
    return 0
