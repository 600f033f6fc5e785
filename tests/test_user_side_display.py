"""The user's side (issue #20): Jupyter's rich display of every derived object
(srcad/api/display.py), and the functions jacfwd/jacrev/hvp/hessian/per_example_grad return
(srcad.api.display.Made). The tutorial and the notebook: tests/test_user_side_tutorial.py.

The HTML is read back with the standard library's parser, as a browser would read it: the code it
shows must be exactly what srcad.source returns, every link must name an anchor of the fragment,
and each link from a line of the user's function must land on a block quoting that line. The
derived objects whose type changed still compute the right numbers: checked against central
finite differences (tests/gradcheck.py), never against srcad itself.
"""

from __future__ import annotations

import html
import inspect
import re
from html.parser import HTMLParser

import numpy as np
import pytest

import srcad
from gradcheck import make_function, numeric_grad
from srcad.tools.highlight import highlight, pieces

RNG = np.random.default_rng(20)

LOSS = make_function("""
    def loss(w, x):
        h = helper(x @ w)
        s = 0.0
        for i in range(len(h)):
            s = s + h[i] * h[i]
        return s + np.sum(w ** 2)
    """, {"helper": make_function("""
    def helper(a):
        return np.tanh(a) * 2.0
    """)})

SEGMENT = make_function("""
    @srcad.checkpoint
    def segment(h, W):
        for _ in range(2):
            h = np.tanh(W @ h)
        return h
    """, {"srcad": srcad})

REFUSED = make_function("""
    def refused(x, s):
        y = x * s
        with open("data") as fh:
            y = y + 1.0
        return np.sum(y)
    """)


class Page(HTMLParser):
    """What a browser would make of a fragment: the ids, the links (with the id of the element
    each sits in), the text of each <pre>, and the text of the whole."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.links: list[tuple[str, str | None]] = []  # (href, innermost enclosing id)
        self.pres: list[str] = []
        self.text: list[str] = []
        self._stack: list[tuple[str, str | None]] = []
        self._pre: list[str] | None = None
        self.feed(text)
        self.close()
        assert not self._stack, f"unclosed tags: {self._stack}"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "a":
            enclosing = next((i for _, i in reversed(self._stack) if i), None)
            self.links.append((attrs.get("href"), attrs.get("id") or enclosing))
        if tag == "pre":
            self._pre = []
        self._stack.append((tag, attrs.get("id")))

    def handle_endtag(self, tag):
        assert self._stack and self._stack[-1][0] == tag, f"</{tag}> closes {self._stack[-1:]}"
        self._stack.pop()
        if tag == "pre":
            self.pres.append("".join(self._pre))
            self._pre = None

    def handle_data(self, data):
        self.text.append(data)
        if self._pre is not None:
            self._pre.append(data)

    def element_text(self, fragment: str, element_id: str) -> str:
        """The text of the element with this id (read again from the fragment)."""
        start = fragment.index(f'id="{element_id}"')
        end = fragment.index("</span>", start)
        return html.unescape(re.sub(r"<[^>]+>", "", fragment[fragment.index(">", start) + 1:end]))


def check_fragment(fragment: str, code: str) -> Page:
    """The fragment shows ``code`` exactly, its ids are unique and every link lands on one."""
    page = Page(fragment)
    assert len(page.ids) == len(set(page.ids)), "an id used twice"
    assert page.pres[-1] == code, "the code shown is not the code srcad runs"
    for href, _ in page.links:
        assert href.startswith("#") and href[1:] in page.ids, f"link to nothing: {href}"
    return page


def check_links_land_on_their_lines(fragment: str, page: Page, function) -> int:
    """Every link from a line of the user's function lands on a block whose comment quotes that
    line, and that comment links back to it; returns the number of such links."""
    lines, first = inspect.getsourcelines(function)
    count = 0
    for href, inside in page.links:
        if inside is None or not re.search(r"-u\d+$", inside):
            continue
        number = int(inside.rsplit("-u", 1)[1])
        comment = page.element_text(fragment, href[1:])
        assert comment.startswith(f"# line {number}: "), (number, comment)
        quoted = comment.split(": ", 1)[1]
        assert " ".join(lines[number - first].split()).startswith(" ".join(quoted.split())[:40])
        back = fragment[fragment.index(f'id="{href[1:]}"'):]
        assert back.split("</span>", 1)[0].count(f'href="#{inside}"') == 1
        count += 1
    return count


# ---- the code shown is the code srcad runs, its blocks linked to the user's lines ----------------

def test_grad_shows_its_generated_code_with_each_user_line_linked_to_its_blocks():
    df = srcad.grad(LOSS)
    w, x = RNG.normal(size=3), RNG.normal(size=(4, 3))
    np.testing.assert_allclose(df(w, x), numeric_grad(LOSS, [w, x], 0), rtol=1e-6, atol=1e-8)
    fragment = df._repr_html_()
    page = check_fragment(fragment, srcad.source(df))
    assert "<srcad.grad of loss>" in "".join(page.text)
    # each line of loss that computes something: a forward block and a backward block
    assert check_links_land_on_their_lines(fragment, page, LOSS) >= 8
    assert "grad_loss (forward)" in page.text and "grad_loss (backward)" in page.text
    # the helper's '# line N' comments quote another function's lines: anchored, not linked
    helper_blocks = [m for m in re.finditer(r'<span id="([^"]+)"[^>]*># line 3: return np.tanh',
                                            fragment)]
    assert helper_blocks and all(f'href="#{m.group(1)}"' not in fragment for m in helper_blocks)


def test_value_and_grad_with_a_function_argument_shows_the_code_of_the_latest_call():
    f = make_function("""
        def f(x, act):
            return np.sum(act(x) * x)
        """)
    df = srcad.value_and_grad(f)
    x = RNG.normal(size=3)
    value, g = df(x, np.tanh)
    np.testing.assert_allclose(g, numeric_grad(lambda x: f(x, np.tanh), [x], 0), rtol=1e-6)
    page = check_fragment(df._repr_html_(), srcad.source(df))
    assert "(1 - act_x ** 2)" in page.pres[-1]  # tanh's derivative
    value, g = df(x, np.sin)
    np.testing.assert_allclose(g, numeric_grad(lambda x: f(x, np.sin), [x], 0), rtol=1e-6)
    page = check_fragment(df._repr_html_(), srcad.source(df))
    assert "np.cos(x)" in page.pres[-1] and "(1 - act_x ** 2)" not in page.pres[-1]


def test_a_holomorphic_derivative_shows_its_vector_jacobian_product_before_and_after_a_call():
    f = make_function("""
        def f(z):
            return z * np.exp(z) + z ** 3
        """)
    df = srcad.grad(f, holomorphic=True)
    z = 0.3 + 0.7j
    general = srcad.vjp(f, z, specialize=False)[1].source  # (no call yet: the general code)
    check_fragment(df._repr_html_(), general)  # (srcad.source needs a call first)
    code = srcad.vjp(f, z)[1].source  # (what a call runs: specialized for a complex z)
    h = 1e-6  # f'(z) along the real axis, and along the imaginary one (holomorphic: the same)
    along_real = (f(z + h) - f(z - h)) / (2 * h)
    along_imaginary = (f(z + 1j * h) - f(z - 1j * h)) / (2j * h)
    assert abs(df(z) - along_real) < 1e-7 and abs(df(z) - along_imaginary) < 1e-7
    check_fragment(df._repr_html_(), srcad.source(df))
    assert srcad.source(df) == code


def test_vjp_fn_shows_the_forward_backward_pair_it_runs():
    x, w = RNG.normal(size=(4, 3)), RNG.normal(size=3)
    out, vjp_fn = srcad.vjp(LOSS, w, x)
    fragment = vjp_fn._repr_html_()
    page = check_fragment(fragment, srcad.source(vjp_fn))
    assert "def forward_loss" in page.pres[-1] and "def backward_loss" in page.pres[-1]
    assert check_links_land_on_their_lines(fragment, page, LOSS) >= 8
    assert repr(vjp_fn) == "<srcad vjp function of loss>"
    np.testing.assert_allclose(vjp_fn(1.0)[0], numeric_grad(LOSS, [w, x], 0), rtol=1e-6,
                               atol=1e-8)


def test_checkpoint_shows_what_the_backward_sweep_runs_again():
    fragment = SEGMENT._repr_html_()
    code = srcad.vjp(SEGMENT.fn, RNG.normal(size=2), RNG.normal(size=(2, 2)),
                     specialize=False)[1].source  # (no call yet: the general code)
    page = check_fragment(fragment, code)
    assert "forward_segment" in page.pres[-1] and "backward_segment" in page.pres[-1]
    assert check_links_land_on_their_lines(fragment, page, SEGMENT.fn) >= 4
    assert "<srcad.checkpoint segment>" in "".join(page.text)

    through = make_function("""
        def through(W, h):
            return np.sum(segment(h, W) ** 2)
        """, {"segment": SEGMENT})
    W, h = RNG.normal(size=(2, 2)), RNG.normal(size=2)
    np.testing.assert_allclose(srcad.grad(through)(W, h), numeric_grad(through, [W, h], 0),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("kind", ["jacfwd", "jacrev", "hvp", "hessian", "per_example_grad"])
def test_the_functions_srcad_makes_show_their_code_and_name_themselves(kind):
    made = getattr(srcad, kind)(LOSS)
    fragment = made._repr_html_()
    page = check_fragment(fragment, srcad.source(made))
    assert repr(made) == f"<srcad.{kind} of loss>" and made.__name__ == "loss"
    expected = "(w, x, v)" if kind == "hvp" else "(w, x)"
    assert str(inspect.signature(made)) == expected
    with pytest.raises(TypeError):
        inspect.getsource(made)  # not loss's source passed off as its own
    if kind in ("jacfwd", "jacrev", "per_example_grad"):  # the code of loss itself
        assert check_links_land_on_their_lines(fragment, page, LOSS) >= 4
    else:  # forward mode over the gradient code: its comments quote grad_loss, linked to nothing
        assert "def jvp_grad_loss" in page.pres[-1]
        assert not any(inside and re.search(r"-u\d+$", inside) for _, inside in page.links)


def test_the_functions_srcad_makes_still_compute_the_right_derivatives():
    w, x = RNG.normal(size=3), RNG.normal(size=(4, 3))
    grad_w = numeric_grad(LOSS, [w, x], 0)
    np.testing.assert_allclose(srcad.jacfwd(LOSS)(w, x), grad_w, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(srcad.jacrev(LOSS)(w, x), grad_w, rtol=1e-6, atol=1e-8)
    g = srcad.grad(LOSS)
    hessian = srcad.hessian(LOSS)(w, x)
    v = RNG.normal(size=3)
    e = 1e-5
    difference = (g(w + e * v, x) - g(w - e * v, x)) / (2 * e)  # of the gradient: an oracle of H v
    np.testing.assert_allclose(srcad.hvp(LOSS)(w, x, v), difference, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(hessian @ v, difference, rtol=1e-5, atol=1e-7)
    batch = srcad.per_example_grad(LOSS, 0, 1)(w, x[:, None, :].repeat(2, axis=1))
    for i in range(4):
        xi = np.repeat(x[i:i + 1], 2, axis=0)
        np.testing.assert_allclose(batch[i], numeric_grad(LOSS, [w, xi], 0), rtol=1e-6,
                                   atol=1e-8)


def test_a_made_function_binds_as_a_method_and_keeps_working_after_display():
    class Model:
        def __init__(self, x):
            self.x = x
        jac = srcad.jacfwd(make_function("""
            def energy(self, w):
                return np.sum(np.sin(self.x * w))
            """), argnums=1)

    x, w = RNG.normal(size=3), RNG.normal(size=3)
    model = Model(x)
    assert "def jvp_energy" in Page(Model.jac._repr_html_()).pres[-1]
    expected = numeric_grad(lambda w: np.sum(np.sin(x * w)), [w], 0)
    np.testing.assert_allclose(model.jac(w), expected, rtol=1e-6, atol=1e-8)


# ---- refusals: a short panel, never a traceback --------------------------------------------------

def refused_objects():
    return {
        "grad": srcad.grad(REFUSED),
        "value_and_grad": srcad.value_and_grad(REFUSED),
        "jacfwd": srcad.jacfwd(REFUSED),
        "jacrev": srcad.jacrev(REFUSED),
        "hvp": srcad.hvp(REFUSED),
        "hessian": srcad.hessian(REFUSED),
        "per_example_grad": srcad.per_example_grad(REFUSED),
        "checkpoint": srcad.checkpoint(REFUSED),
    }


@pytest.mark.parametrize("kind", list(refused_objects()))
def test_a_refused_function_displays_the_error_panel(kind):
    obj = refused_objects()[kind]
    x, s = np.ones(2), 2.0
    with pytest.raises(srcad.UnsupportedSyntaxError) as raised:
        srcad.grad(REFUSED)(x, s)
    calls = {"hvp": lambda: obj(x, s, x), "per_example_grad": lambda: obj(x, np.ones(3)),
             "checkpoint": lambda: srcad.vjp(obj.fn, x, s)}
    with pytest.raises(srcad.UnsupportedSyntaxError):  # (what a call raises, the panel shows)
        calls.get(kind, lambda: obj(x, s))()
    fragment = obj._repr_html_()
    page = Page(fragment)
    text = "".join(page.text)
    assert "srcad-error" in fragment and "Traceback" not in text
    assert "UnsupportedSyntaxError" in text and "refused" in text
    assert raised.value.message in text
    location = raised.value.location
    assert f"{location.filename}:{location.lineno}:{location.col}" in text
    assert location.lineno == REFUSED.__code__.co_firstlineno + 2
    # the line, and a caret under the column srcad names
    line, caret = page.pres[-1].splitlines()
    assert line.strip() == 'with open("data") as fh:'
    assert caret.index("^") == line.index("open")
    assert raised.value.hint is None or f"hint: {raised.value.hint}" in text


def test_a_refusal_in_markdown_is_the_error_not_a_traceback():
    text = srcad.grad(REFUSED)._repr_markdown_()
    assert text.startswith("```text\n") and "cannot be differentiated" in text
    assert srcad.grad(LOSS)._repr_markdown_() == f"```python\n{srcad.source(srcad.grad(LOSS))}```"


def test_an_error_at_the_call_is_shown_with_its_hint():
    # reverse mode over a derivative: refused by jacrev with a hint, shown before any call
    panel = srcad.jacrev(srcad.grad(LOSS))._repr_html_()
    text = "".join(Page(panel).text)
    assert "reverse mode over a derivative is not supported" in text and "hint:" in text


@pytest.mark.parametrize("outer", ["grad", "jacfwd", "jacrev", "hessian", "hvp"])
@pytest.mark.parametrize("inner", ["jacfwd", "jacrev", "hessian", "hvp", "per_example_grad"])
def test_a_made_function_is_refused_when_differentiated_again(outer, inner):
    made = getattr(srcad, inner)(LOSS)
    w, x = RNG.normal(size=3), RNG.normal(size=(4, 3))
    with pytest.raises(srcad.SrcadError, match="a function srcad made") as raised:
        args = (w, x, w) if outer == "hvp" else (w, x)
        getattr(srcad, outer)(made)(*args)
    assert "srcad.hessian(f)" in raised.value.hint


def test_a_made_function_called_inside_a_differentiated_one_is_refused_at_the_call():
    jac = srcad.jacfwd(LOSS)
    uses = make_function("""
        def uses(w, x):
            return np.sum(jac(w, x) ** 2)
        """, {"jac": jac})
    with pytest.raises(srcad.NoGradientRuleError) as raised:
        srcad.grad(uses)(RNG.normal(size=3), RNG.normal(size=(4, 3)))
    assert raised.value.location.lineno == uses.__code__.co_firstlineno + 1


# ---- the HTML itself -----------------------------------------------------------------------------

def test_two_displays_never_share_an_id():
    first, second = srcad.grad(LOSS)._repr_html_(), srcad.grad(LOSS)._repr_html_()
    assert not set(Page(first).ids) & set(Page(second).ids)


def test_the_highlighter_gives_back_the_text_exactly():
    texts = [srcad.source(srcad.grad(LOSS)), srcad.source(srcad.hvp(LOSS)),
             inspect.getsource(srcad.api.display), 'x = """a\n  b"""  # c\n', "def (\n"]
    for text in texts:
        assert "".join(t for _, t in pieces(text)) == text
        assert re.sub(r"\x1b\[[0-9;]*m", "", highlight(text)) == text
    kinds = dict((t, k) for k, t in pieces("def f(x):\n    return 1.5  # c\n"))
    assert kinds["def"] == "keyword" and kinds["f"] == "def" and kinds["1.5"] == "number"
    assert kinds["# c"] == "comment"


def test_a_docstring_spanning_lines_keeps_the_html_one_line_per_line():
    f = make_function('''
        def documented(x):
            """Two
            lines."""
            return x * x
        ''')
    fragment = srcad.grad(f)._repr_html_()
    page = check_fragment(fragment, srcad.source(srcad.grad(f)))
    assert 'lines."""' in page.pres[0]
    user = [line for line in fragment.split("\n") if re.search(r'id="[^"]+-u\d+"', line)]
    assert len(user) == 4  # one anchored row per line of the function, each closed on its line
    assert all(row.count("<span") == row.count("</span>") for row in user[1:])
