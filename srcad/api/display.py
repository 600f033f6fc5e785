"""Jupyter's rich display of what srcad makes: the generated code as highlighted HTML, or, where the
transformation refuses the function, a short error panel.

Accepts: a title, a function that returns the generated source (called here, so the transformation
may raise), and the user's function (for its source lines). :func:`render` returns one HTML
fragment (inline styles only: it reads the same in a notebook, trusted or not, in JupyterLab's
light and dark themes and in a static HTML export):

* the generated code, highlighted by :mod:`srcad.tools.highlight` (the standard library's
  tokenizer: no Pygments), each ``# line N: ...`` comment an anchor of the block under it;
* the user's function as written, each line numbered, anchored, and linked to the blocks generated
  for it (labelled by the generated function and sweep: ``grad_f (forward)``, ``grad_f
  (backward)``); each block's comment links back to its line. A comment is linked only where the
  line it quotes is the line shown (a callee's lines, or the lines of srcad's own code that
  forward-over-reverse code quotes, are anchored but not linked);
* a :class:`~srcad.errors.SrcadError` raised by the transformation: its kind, message, location,
  the source line with a caret under the column, and the hint -- never a traceback. Any other
  exception propagates (it is a bug in srcad, not a refusal).

Guarantees: every ``id`` in one fragment is unique and distinct from those of any other fragment
rendered in this process (a counter and a hash of the text), and every ``href`` names one of them.
The derived objects call it from their ``_repr_html_`` (:class:`~srcad.api.derived.Derived`,
:class:`~srcad.api.vjp.VJPFunction`, :class:`Made` for ``jacfwd``, ``jacrev``, ``hvp``,
``hessian``, ``per_example_grad``, and ``srcad.checkpoint``).
"""

from __future__ import annotations

import functools
import hashlib
import html
import inspect
import itertools
import os
import re
from collections.abc import Callable
from typing import Any

from ..errors import SrcadError
from ..tools.highlight import pieces

_COLOURS = {"comment": "color:#6a737d;font-style:italic",
            "keyword": "color:#cf222e;font-weight:bold", "string": "color:#0a7d32",
            "number": "color:#1f6feb", "def": "color:#8250df;font-weight:bold"}
_BOX = ("font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;"
        "border:1px solid rgba(127,127,127,.35);border-radius:4px;padding:6px 10px;margin:4px 0;"
        "background:rgba(127,127,127,.06);overflow-x:auto;line-height:1.4")
_PRE = "margin:0;font-family:inherit;font-size:inherit;background:none;white-space:pre"
_LINK = "color:inherit;text-decoration:underline dotted"
_LINE_COMMENT = re.compile(r"#\s*line (\d+): (.*)")
_SECTION = re.compile(r"#\s*(forward|backward)\b")
_counter = itertools.count(1)


def render(title: str, source: Callable[[], str], function: Any = None, note: str = "") -> str:
    """The HTML of a derived object called ``title`` whose code ``source()`` returns, with the lines
    of ``function`` (the user's, or None) linked to it; a refusal gives :func:`error_panel`."""
    try:
        text = source()
    except SrcadError as exc:
        return error_panel(title, exc)
    prefix = f"srcad-{hashlib.sha1(text.encode()).hexdigest()[:8]}-{next(_counter)}"
    shown = user_lines(function)
    code, blocks = code_html(text, prefix, shown)
    parts = [_heading(title, note)]
    if shown:
        parts.append(_user_html(function, shown, blocks, prefix))
    parts.append(f'<div style="{_BOX}"><pre style="{_PRE}">{code}</pre></div>')
    return f'<div class="srcad-display">{"".join(parts)}</div>'


def error_panel(title: str, exc: SrcadError) -> str:
    """A refusal as a short panel: kind, message, place, the line with a caret, the hint."""
    message = exc.message
    rows = []
    location = exc.location
    if location is not None:
        said = f"{location.filename}:{location.lineno}: "
        if message.startswith(said):  # (a message made at run time names its place already)
            message = message[len(said):]
    rows.append(f'<div><b>{html.escape(type(exc).__name__)}</b>: {html.escape(message)}</div>')
    if location is not None:
        rows.append(f'<div style="opacity:.8">{html.escape(str(location))}</div>')
        caret = location.render().strip("\n")
        if caret:
            rows.append(f'<pre style="{_PRE};margin:4px 0">{html.escape(caret)}</pre>')
    if exc.hint:
        rows.append(f"<div><i>hint</i>: {html.escape(exc.hint)}</div>")
    box = _BOX.replace("rgba(127,127,127,.35)", "#d1242f").replace("rgba(127,127,127,.06)",
                                                                  "rgba(209,36,47,.07)")
    return (f'<div class="srcad-display srcad-error">{_heading(title, "refused")}'
            f'<div style="{box}">{"".join(rows)}</div></div>')


def _heading(title: str, note: str) -> str:
    extra = f' <span style="opacity:.7">{html.escape(note)}</span>' if note else ""
    return f"<div><code>{html.escape(title)}</code>{extra}</div>"


# ---- the user's lines --------------------------------------------------------------------------

def user_lines(function: Any) -> dict[int, str]:
    """The lines of the user's ``function`` by line number in its file (empty where its source
    cannot be read: a builtin, a lambda typed at a prompt)."""
    function = _plain(function)
    if function is None:
        return {}
    try:
        lines, first = inspect.getsourcelines(function)
    except (OSError, TypeError):
        return {}
    return {first + k: line.rstrip("\n") for k, line in enumerate(lines)}


def _plain(function: Any) -> Any:
    """The plain Python function behind ``function`` (a derived function's innermost, a method's,
    a partial's, a decorated function's), or None."""
    from .callables import unwrap

    for _ in range(16):
        if inspect.isfunction(function):
            return inspect.unwrap(function)
        inner = getattr(function, "fun", None) or getattr(function, "fn", None) \
            or getattr(function, "_fun", None)
        if inner is None:
            target = unwrap(function).function
            return target if inspect.isfunction(target) else None
        function = inner
    return None


def _same_line(quoted: str, written: str) -> bool:
    """Whether a ``# line N`` comment's text quotes this line (spaces aside; a long statement may
    be quoted in part)."""
    a, b = " ".join(quoted.split()), " ".join(written.split())
    return bool(a and b) and (a.startswith(b[:60]) or b.startswith(a[:60]))


def _user_html(function: Any, shown: dict[int, str], blocks: dict[int, list[tuple[str, str]]],
               prefix: str) -> str:
    code = getattr(_plain(function), "__code__", None)
    where = f" ({os.path.basename(code.co_filename)}:{min(shown)})" if code is not None else ""
    first = min(shown)
    source = "\n".join(shown[n] for n in sorted(shown))
    rows = []
    width = len(str(max(shown)))
    for k, line in enumerate(_html_lines(source)):
        number = first + k
        links = " ".join(f'<a href="#{anchor}" style="{_LINK}">{html.escape(label)}</a>'
                         for anchor, label in blocks.get(number, []))
        arrow = f'  <span style="opacity:.75">&#8594; {links}</span>' if links else ""
        rows.append(f'<span id="{prefix}-u{number}"><span style="opacity:.5">'
                    f'{number:>{width}}</span>  {line}{arrow}</span>')
    summary = f"the function as written{where}: each line links to the code generated for it"
    return (f'<details open style="margin:4px 0"><summary style="cursor:pointer">'
            f'{html.escape(summary)}</summary><div style="{_BOX}"><pre style="{_PRE}">'
            + "\n".join(rows) + "</pre></div></details>")


# ---- the generated code ------------------------------------------------------------------------

def code_html(text: str, prefix: str, shown: dict[int, str]
              ) -> tuple[str, dict[int, list[tuple[str, str]]]]:
    """``text`` as highlighted HTML (one line of HTML per line of text) with each ``# line N``
    comment anchored (``{prefix}-b{k}``) and linked to line N of ``shown`` where it quotes it;
    and, per linked line, the ``(anchor, label)`` of its blocks."""
    blocks: dict[int, list[tuple[str, str]]] = {}
    function, section, previous = "", "", ""
    out = []
    count = 0
    for kind, piece in pieces(text):
        if kind == "def" and previous == "def":
            function, section = piece, ""
        if kind is not None or piece.strip():
            previous = piece
        if kind != "comment":
            out.append(_span(kind, piece))
            continue
        found = _SECTION.match(piece)
        if found:
            section = found.group(1)
        quoted = _LINE_COMMENT.match(piece)
        if quoted is None:
            out.append(_span(kind, piece))
            continue
        number, anchor = int(quoted.group(1)), f"{prefix}-b{count}"
        count += 1
        line = f"line {number}"
        if number in shown and _same_line(quoted.group(2), shown[number]):
            label = f"{function} ({section})" if section else function or line
            blocks.setdefault(number, []).append((anchor, label))
            line = (f'<a href="#{prefix}-u{number}" style="{_LINK}" '
                    f'title="the line as written">{line}</a>')
        rest = html.escape(piece[quoted.start(2) - 2:])
        out.append(f'<span id="{anchor}" style="{_COLOURS["comment"]}"># {line}{rest}</span>')
    return "".join(out), blocks


def _span(kind: str | None, piece: str) -> str:
    """One piece of text, escaped, in its colour; a piece spanning lines (a docstring) is closed
    at each line's end, so that the HTML splits into lines where the text does."""
    if kind is None:
        return html.escape(piece)
    return "\n".join(f'<span style="{_COLOURS[kind]}">{html.escape(part)}</span>' if part else ""
                     for part in piece.split("\n"))


def _html_lines(source: str) -> list[str]:
    """``source`` highlighted, one string of HTML per line."""
    return "".join(_span(kind, piece) for kind, piece in pieces(source)).split("\n")


# ---- functions srcad makes ---------------------------------------------------------------------

class Made:
    """A function made by srcad from the user's (``jacfwd(f)``, ``jacrev(f)``, ``hvp(f)``,
    ``hessian(f)``, ``per_example_grad(f)``): called as the function it wraps; it carries ``f``'s
    name, qualified name, module and docstring; in Jupyter it shows the code that a call runs (a
    refusal: the error), and its ``repr`` names what it is (``<srcad.hessian of f>``)."""

    def __init__(self, call: Callable[..., Any], kind: str, fun: Any,
                 source: Callable[[], str], note: str = "") -> None:
        self._call, self._kind, self._fun, self._source, self._note = call, kind, fun, source, note
        functools.update_wrapper(self, fun, updated=())
        if hasattr(self, "__wrapped__"):  # (inspect.getsource would show f as if it were this)
            del self.__wrapped__

    @property
    def __signature__(self) -> inspect.Signature:
        """``f``'s parameters (``hvp``: and the direction ``v`` after them, where that can be
        written; else ``(*args)``)."""
        try:
            signature = inspect.signature(self._fun)
            if self._kind == "hvp":
                v = inspect.Parameter("v", inspect.Parameter.POSITIONAL_OR_KEYWORD)
                signature = signature.replace(parameters=[*signature.parameters.values(), v])
        except (TypeError, ValueError):
            args = inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL)
            signature = inspect.Signature([args])
        return signature

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(*args, **kwargs)

    def code(self) -> str:
        """The generated code a call runs (what :func:`srcad.source` returns for it); raises the
        :class:`~srcad.errors.SrcadError` of a function srcad refuses."""
        return self._source()

    def __get__(self, instance: Any, owner: Any) -> Any:  # a decorated method binds like a function
        return self if instance is None else functools.partial(self, instance)

    def __repr__(self) -> str:
        name = getattr(self._fun, "__qualname__", None) or repr(self._fun)
        return f"<srcad.{self._kind} of {name}>"

    def _repr_html_(self) -> str:
        return render(repr(self), self._source, self._fun, self._note)
