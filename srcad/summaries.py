"""What a called user function returns, in terms of its arguments: pass 9's facts across calls.

Accepts: the :class:`~srcad.passes.ops.Op` of a call to a user's function (``OpKind.CALL``) in the
function pass 9 (:mod:`srcad.passes.shapes`) analyses, with what that analysis holds so far of the
caller's variables.
Guarantees: one :class:`Summaries` per transformation (a :class:`srcad.pipeline.Program`) answers

* :meth:`Summaries.result_set`: the broadcast set of the call's result, as a set of the caller's
  (see :mod:`srcad.passes.shapes`). The callee goes through passes 1 to 6 once (hooks silenced),
  and pass 9 once per set of parameters whose arguments the caller proves real (numbers and
  NumPy values, never lists: :data:`~srcad.passes.value_kinds.REAL_VALUE`; a number, or a
  parameter left to a number default, is one), with nothing else assumed. If the set of the name
  it returns is made of its parameters' shapes on entry only, the call's result has the union of
  the sets of the arguments passed for them (a number adds nothing). This holds for every
  argument value of those kinds, because the callee's analysis assumed nothing else. Otherwise
  the call's result is a shape of its own, as before.
* :meth:`Summaries.result_real`: whether the call's result is real, from the same analysis (pass
  9's :func:`~srcad.passes.value_kinds.real_names` on the callee).

A callee that cannot be analysed (no source, a construct the fence refuses: the transformation
reports that itself where it must differentiate it; a file edited since it was loaded, whose text
is not the code that runs) or that is being analysed (recursion) has no summary, and the caller's analysis assumes nothing of the call. Each function analysed is listed
in :attr:`Summaries.functions`, for the transformation's guard (a helper redefined later changes
what the caller's code may assume, even where the helper itself is not differentiated).
"""

from __future__ import annotations

import gast

from . import hooks
from .keys import callee_key
from .passes.shapes import UNKNOWN, Base, analyze
from .passes.value_kinds import REAL_VALUE, real_atom
from .results import source_is_current

_NONE = object()  # (no summary)


class Summaries:
    """The summaries of the functions one transformation calls, each computed at most once."""

    def __init__(self):
        self._fronts: dict = {}  # callee key -> (normalized, ops, out) or _NONE
        self._found: dict = {}   # (callee key, real parameters) -> see _summary
        self._busy: set = set()  # keys being analysed (a recursive call has no summary)
        self._unhashable: list = []
        self.functions: list = []  # the user functions read, for the guard

    def _key(self, op):
        return callee_key(op.callee, (), op.static, self._unhashable)

    def _front(self, op, key):
        found = self._fronts.get(key)
        if found is None:
            found = self._fronts[key] = _NONE
            from .front import analyse  # (front imports the passes, as shapes does)
            if not _current(op.callee):  # (its file edited since it was loaded: not its code)
                return _NONE
            try:
                with hooks.silenced():
                    a = analyse(op.callee, [], op.static)
            except Exception:  # any failure: no summary (deriving it, if needed, reports it)
                return _NONE
            self.functions.append(a.fun)
            found = self._fronts[key] = (a.normalized, a.ops, a.out)
        return found

    def _summary(self, op, real) -> tuple:
        """``(parameters, is_real)`` of the callee of ``op`` with the parameters whose arguments
        are in ``real`` (or numbers, or left to number defaults) assumed real: the parameters
        whose shapes on entry the returned value is the broadcast of (``_NONE``: it is not one),
        and whether it is real."""
        key = self._key(op)
        params = [p for p, value in op.args.items() if isinstance(p, str) and real_atom(value, real)]
        params += [p for p in _number_defaults(op.callee) if p not in op.args]
        params = tuple(sorted(params))
        if key in self._busy:  # (a recursive call: nothing assumed, nothing kept)
            return (_NONE, False)
        found = self._found.get((key, params))
        if found is None:
            found = (_NONE, False)
            front = self._front(op, key)
            if front is not _NONE:
                normalized, ops, out = front
                self._busy.add(key)
                try:
                    facts = analyze(normalized, ops, tuple((p, REAL_VALUE) for p in params),
                                    calls=self)
                finally:
                    self._busy.discard(key)
                shape = facts.sets.get(out)
                found = (frozenset(b.name for b in shape) if shape is not None
                         and all(isinstance(b, Base) for b in shape) else _NONE,
                         out in facts.reals)
            self._found[(key, params)] = found
        return found

    def result_set(self, op, sets, real=frozenset()):
        """The broadcast set of ``op``'s result from the caller's ``sets`` (``real``: the caller's
        names proven real); None where an argument's set is not known yet; ``UNKNOWN`` where the
        call's result has no set from its arguments."""
        summary = self._summary(op, real)[0]
        if summary is _NONE:
            return UNKNOWN
        union = frozenset()
        for param in summary:
            part = _argument_set(op, param, sets)
            if part is None or part is UNKNOWN:
                return part
            union |= part
        return union

    def result_real(self, op, real) -> bool:
        """Whether ``op``'s result is real at every run when the names in ``real`` are."""
        return self._summary(op, real)[1]


def _argument_set(op, param, sets):
    """The caller's set of the argument ``op`` passes for the callee's parameter ``param``."""
    if param not in op.args:  # left to its default: a number adds nothing, else no set
        return frozenset() if param in _number_defaults(op.callee) else UNKNOWN
    value = op.args[param]
    if isinstance(value, gast.Name):
        return sets.get(value.id)
    if isinstance(value, gast.Constant) and type(value.value) in (int, float, bool):
        return frozenset()
    return UNKNOWN


def _current(fn) -> bool:
    """Whether the source pass 1 would read for ``fn`` (a nested def: its enclosing function's
    file) is the code it runs (:func:`srcad.results.source_is_current`)."""
    import linecache

    fn = getattr(getattr(fn, "parent", None), "fn", fn)
    filename = getattr(getattr(fn, "__code__", None), "co_filename", "")
    if filename and not filename.startswith("<"):
        linecache.checkcache(filename)
        return source_is_current(fn)
    return True


def _number_defaults(fn) -> list:
    """The parameters of ``fn`` whose defaults are numbers (a nested def: none known)."""
    import inspect

    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if type(p.default) in (int, float, bool)
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
