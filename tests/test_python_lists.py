"""Lists built and consumed in loops (issue #15): ``xs.append(v)``, ``v = xs.pop()``,
``xs.pop(i)``, ``xs.extend(vs)``, ``xs.insert(i, v)``, ``xs.reverse()`` on local lists, in loops
and branches, the list then read by ``np.stack``, ``np.array``, ``np.concatenate``, ``sum``,
indexing, iteration and ``len``; in reverse mode, forward mode and Hessian-vector products (forward
mode over the generated gradient, whose stack is a list too), each against central differences.
Aliasing (another name holding the list, a list holding it, a helper changing it) is differentiated
right or refused at the user's line, and so is every form srcad does not follow."""

import numpy as np
import pytest

import goldens
import srcad
from gradcheck import check_grad, directional, make_function, numeric_grad

W = np.array([[0.5, -0.3, 0.1], [0.2, 0.4, -0.6], [0.3, 0.1, 0.2]])

PROGRAMS = {
    "euler trajectory, loss over np.stack of the states": """
        def f(x, y):
            states = []
            s = x
            for t in range(5):
                s = s + 0.1 * np.sin(s) * y
                states.append(s)
            trajectory = np.stack(states)
            return np.sum(trajectory ** 2) + np.sum(trajectory[-1] * y)
        """,
    "rnn collecting its hidden states": """
        def f(x, y):
            h = np.zeros(3)
            hs = []
            for t in range(4):
                h = np.tanh(W @ h + x * t + y)
                hs.append(h)
            return np.sum(np.array(hs) * y) + np.sum(hs[-1] * hs[0])
        """,
    "push in one loop, pop in another (a stack)": """
        def f(x, y):
            stack = []
            for i in range(4):
                stack.append(x * i + y)
            out = 0.0
            for i in range(4):
                out = out * 0.5 + np.sin(stack.pop())
            return np.sum(out * y)
        """,
    "append inside if-branches, np.concatenate": """
        def f(x, y):
            xs = []
            for i in range(6):
                if i % 2 == 0:
                    xs.append(np.sin(x * i))
                else:
                    xs.append(x * y)
                    xs.append(np.cos(y))
            return np.sum(np.concatenate(xs) ** 2)
        """,
    "a data-dependent branch": """
        def f(x, y):
            xs = [y]
            for i in range(4):
                if np.sum(x) * i > 0.1:
                    xs.append(np.sin(x) * i)
                else:
                    xs.insert(0, x * y * i)
            if np.sum(y) > 0:
                v = xs.pop()
            else:
                v = xs.pop(0)
            return np.sum(v * x) + np.sum(np.stack(xs))
        """,
    "sum, len, xs[i], xs[-1] and a loop over the list": """
        def f(x, y):
            xs = []
            for i in range(4):
                xs.append(x * (i + 1.0) + y)
            acc = 0.0
            for h in xs:
                acc = acc + np.sum(h * h)
            return np.sum(sum(xs)) + acc + len(xs) * np.sum(xs[1] * y) + np.sum(xs[-1])
        """,
    "lists of lists": """
        def f(x, y):
            rows = []
            for i in range(3):
                row = []
                for j in range(2):
                    row.append(x * (i + j + 1.0) + y[j])
                rows.append(row)
            return np.sum(np.array(rows) ** 2) + np.sum(rows[1][0] * y)
        """,
    "tuples appended, unpacked in a loop": """
        def f(x, y):
            pairs = []
            for i in range(3):
                pairs.append((x * i, np.sin(y)))
            s = 0.0
            for a, b in pairs:
                s = s + np.sum(a * b)
            return s
        """,
    "numbers appended": """
        def f(x, y):
            values = []
            for i in range(3):
                values.append(float(np.sum(x * y)) * i)
            return sum(values) + values[-1] ** 2
        """,
    "popped in a while loop until one is left": """
        def f(x, y):
            xs = []
            for i in range(4):
                xs.append(np.sin(x) * i + y)
            s = 0.0
            while len(xs) > 1:
                v = xs.pop()
                s = s + np.sum(v * v)
            return s + np.sum(xs[0])
        """,
    "appended in a while loop left by break": """
        def f(x, y):
            xs = []
            h = x
            k = 0
            while True:
                h = np.sin(h) * y + 0.5
                xs.append(h)
                k = k + 1
                if k >= 4:
                    break
            return np.sum(np.stack(xs)[::2])
        """,
    "emptied and filled again": """
        def f(x, y):
            xs = []
            total = 0.0
            for k in range(3):
                for i in range(k + 1):
                    xs.append(x * (i + k) + y)
                while xs:
                    total = total + np.sum(np.sin(xs.pop()))
            return total
        """,
    "pop(i): constant and variable positions, bare pops": """
        def f(x, y):
            xs = [x, x * 2.0, np.sin(x), y ** 2, x * y, np.cos(y), x * 3.0]
            a = xs.pop(0)
            b = xs.pop(1)
            c = xs.pop(-1)
            xs.pop()
            s = 0.0
            for i in range(1):
                j = len(xs) - 1 - i
                v = xs.pop(j)
                s = s + np.sum(v * (i + 1.0))
            return np.sum(a * b * c) + s + np.sum(np.stack(xs))
        """,
    "insert, extend (a list, a tuple, an array's rows) and reverse": """
        def f(x, y):
            xs = [x]
            xs.insert(0, np.sin(x))
            xs.insert(1, x * y)
            xs.insert(-1, x ** 2)
            xs.insert(10, np.cos(y))
            xs.extend([x * 5.0, np.exp(y)])
            xs.extend((y, x))
            xs.extend(np.stack([x, x * y]))
            xs.reverse()
            w = np.arange(1.0, len(xs) + 1.0)
            return np.sum(np.stack(xs) * w[:, None])
        """,
    "insert and pop at positions computed in a loop": """
        def f(x, y):
            xs = [x, np.sin(x), y * 2.0, np.cos(x)]
            s = 0.0
            for i in range(3):
                v = xs.pop(len(xs) - 2 - i % 2)
                s = s + np.sum(v * (i + 1.0))
                xs.insert(i - 1, v * y)
            return s + np.sum(np.stack(xs) ** 2)
        """,
    "items written (xs[i] = v) between appends and inserts": """
        def f(x, y):
            xs = [x]
            for i in range(3):
                xs.append(np.sin(xs[-1]) * y)
                xs[-2] = xs[-2] * x
                if i == 1:
                    xs.insert(0, x * 2.0)
                    xs[0] = xs[0] + xs[-1]
            xs[-1] = np.cos(xs[-1])
            return np.sum(np.stack(xs) ** 2)
        """,
    "the same array appended twice": """
        def f(x, y):
            xs = []
            h = np.sin(x) * y
            xs.append(h)
            xs.append(h)
            xs.append(y)
            return np.sum(np.stack(xs) ** 2)
        """,
    "a copy with list(), then appended; tuple()": """
        def f(x, y):
            xs = [x, np.sin(y)]
            ys = list(xs)
            ys.append(x * y)
            t = tuple(ys)
            return np.sum(np.stack(xs)) + np.sum(np.stack(t) ** 2) + np.sum(np.stack(list(x)))
        """,
    "a list read before another name of it is appended to": """
        def f(x, y):
            xs = [x]
            ys = xs
            s = np.sum(np.stack(ys) ** 2)
            xs.append(x * y)
            return s + np.sum(np.stack(xs))
        """,
    "an array popped out of the list, then written into": """
        def f(x, y):
            items = [x * 2.0, x * y]
            z = items.pop()
            z[0] = 5.0
            return np.sum(items[0] * z)
        """,
    "a helper reads the list, then it is changed": """
        def total(xs):
            return np.sum(np.stack(xs) ** 2) + np.sum(np.tanh(np.stack(xs)) * xs[1])

        def f(x, y):
            xs = [x, y]
            z = total(xs)
            xs.append(x * y)
            xs.insert(0, y)
            return z  # (nothing after the call reads the list: only the helper does)
        """,
    "helpers that copy what they are passed first, then change it": """
        def push(lst, v):
            lst = list(lst)
            lst.append(v * 2.0)
            return lst

        def scaled(a):
            a = a.copy()
            a[0] = 5.0
            return np.sum(a * a)

        def f(x, y):
            xs = [x]
            ys = push(xs, y)
            return np.sum(np.stack(ys)) + np.sum(np.stack(xs) * y) + scaled(x * y)
        """,
    "a helper builds the list, another reads it": """
        def build(x, n):
            out = []
            for i in range(n):
                out.append(x * (i + 1.0))
            return out

        def total(xs):
            s = 0.0
            for h in xs:
                s = s + np.sum(np.sin(h) * h)
            return s

        def f(x, y):
            xs = build(x, 3)
            xs.append(np.sin(y))
            return total(xs) + np.sum(xs[0] * y)
        """,
}


def _program(name):
    return make_function(PROGRAMS[name], {"np": np, "W": W}, name="f")


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_reverse_forward_and_hvp_against_differences(name):
    f = _program(name)
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=3), rng.normal(size=3)
    check_grad(f, [x, y], argnums=(0, 1))
    v, w = rng.normal(size=3), rng.normal(size=3)
    _, tangent = srcad.jvp(f, (x, y), (v, w))
    expected = directional(lambda x, y: f(x, y), [x, y], 0, v) + directional(f, [x, y], 1, w)
    np.testing.assert_allclose(tangent, expected, rtol=1e-5, atol=1e-7)
    g = srcad.grad(f)
    e = 1e-5
    np.testing.assert_allclose(srcad.hvp(f)(x, y, v), (g(x + e * v, y) - g(x - e * v, y)) / (2 * e),
                               rtol=1e-4, atol=1e-6)


def test_the_number_of_appends_may_change_between_calls():
    f = make_function("""
        def f(x, n):
            xs = []
            h = x
            for i in range(n):
                h = np.tanh(h * 1.5 + 0.1)
                xs.append(h)
            out = 0.0
            while xs:
                out = out + np.sum(xs.pop() ** 2)
            return out
        """)
    g = srcad.grad(f)
    x = np.array([0.3, -0.8])
    for n in (3, 0, 5, 1):
        np.testing.assert_allclose(g(x, n), numeric_grad(f, [x, n], 0), rtol=1e-6, atol=1e-9)


def test_vjp_of_a_function_returning_a_list_built_in_a_loop():
    f = make_function("""
        def f(x):
            xs = []
            for i in range(3):
                xs.append(np.sin(x) * (i + 1.0))
            return xs
        """)
    x = np.array([0.3, -0.4])
    value, f_vjp = srcad.vjp(f, x)
    cotangent = [np.ones(2), np.full(2, 2.0), np.full(2, -1.0)]
    first = f_vjp(cotangent)[0]
    expected = numeric_grad(lambda x: sum(np.sum(c * v) for c, v in zip(cotangent, f(x))), [x], 0)
    np.testing.assert_allclose(first, expected, rtol=1e-6)
    np.testing.assert_allclose(f_vjp(cotangent)[0], first)  # again: nothing was used up
    assert len(value) == 3 and len(cotangent) == 3  # neither list was emptied by the backward pass


def test_vjp_of_a_trajectory_twice():
    f = make_function("""
        def f(x):
            states = []
            h = x
            for i in range(3):
                h = np.tanh(h * 1.5)
                states.append(h)
            return np.stack(states)
        """)
    x = np.array([0.3, -0.4])
    _, f_vjp = srcad.vjp(f, x)
    cotangent = np.arange(6.0).reshape(3, 2)
    expected = numeric_grad(lambda x: np.sum(cotangent * f(x)), [x], 0)
    for _ in range(2):
        np.testing.assert_allclose(f_vjp(cotangent)[0], expected, rtol=1e-6)


def test_the_callers_lists_are_never_changed():
    f = make_function("""
        def f(x, xs, rows):
            xs.append(x * 2.0)
            r = rows[0]
            r.append(x * 3.0)
            return np.sum(np.stack(xs)) + np.sum(np.stack(r) ** 2)
        """)
    x = np.array([0.3, -0.4])
    xs, rows = [x * 1.0], [[x * 0.5], [x]]

    np.testing.assert_allclose(srcad.grad(f)(x, xs, rows), numeric_grad(
        lambda x: f(x, [np.array([0.3, -0.4])], [[np.array([0.15, -0.2])], [x]]), [x], 0))
    v = np.array([1.0, 2.0])
    _, tangent = srcad.jvp(f, (x, xs, rows), (v, None, None))
    np.testing.assert_allclose(tangent, 2.0 * np.sum(v) + 18.0 * np.dot(x, v), rtol=1e-6)
    np.testing.assert_allclose(srcad.hvp(f)(x, xs, rows, v), 18.0 * v, rtol=1e-6)
    assert len(xs) == 1 and len(rows[0]) == 1


def test_an_array_written_into_after_a_helper_read_it():
    # the helper's backward pass reads the array as it was passed: the write is undone before it
    # (the same undoing as for a list changed after the call)
    f = make_function("""
        def total(a):
            return np.sum(np.sin(a) * a)

        def f(x):
            a = x * 1.0
            y = total(a)
            a[0] = 5.0
            return y
        """, name="f")
    check_grad(f, [np.array([0.3, -0.4, 0.8])])


def test_the_gradient_with_respect_to_a_list_the_function_appends_to():
    f = make_function("""
        def f(x, xs):
            xs.append(x * 2.0)
            xs.insert(0, np.sin(x))
            return np.sum(np.stack(xs) ** 2)
        """)
    x = np.array([0.3, -0.4])
    xs = [np.array([1.0, 2.0]), np.array([0.5, -0.5])]
    g = srcad.grad(f, argnums=1)(x, xs)
    assert isinstance(g, list) and len(g) == 2 and len(xs) == 2
    for k in range(2):
        def along(v, k=k):
            return f(x, [v if j == k else xs[j] for j in range(2)])
        np.testing.assert_allclose(g[k], numeric_grad(along, [xs[k]], 0), rtol=1e-6)


def test_a_checkpointed_function_that_builds_a_list():
    inner = make_function("""
        def inner(x):
            xs = []
            for i in range(3):
                xs.append(np.sin(x) * i)
            return np.sum(np.stack(xs) ** 2)
        """)
    outer = make_function("""
        def outer(x):
            return ck(x) * 2.0 + np.sum(x)
        """, {"ck": srcad.checkpoint(inner)})
    check_grad(outer, [np.array([0.3, -0.4, 0.9])])


@pytest.mark.parametrize("options", [dict(optimize=False), dict(shapes=False), dict(in_place=False),
                                     dict(debug_nans=True)])
@pytest.mark.parametrize("name", [
    "lists of lists", "insert, extend (a list, a tuple, an array's rows) and reverse",
    "push in one loop, pop in another (a stack)"])
def test_generation_options(name, options):
    f = _program(name)
    x, y = np.array([0.3, -0.4, 0.8]), np.array([0.5, 0.2, -0.7])
    np.testing.assert_allclose(srcad.grad(f, argnums=(0, 1), **options)(x, y)[1],
                               numeric_grad(f, [x, y], 1), rtol=1e-5, atol=1e-7)


def test_extend_by_a_parameter_list_tuple_or_array():
    f = make_function("""
        def f(x, ys):
            xs = [x]
            xs.extend(ys)
            return np.sum(np.stack(xs) ** 2)
        """)
    x = np.array([0.3, -0.4])
    check_grad(f, [x, np.stack([x, 2 * x])], argnums=(0, 1))
    for ys in ([x, 2 * x], (x, 2 * x)):
        dx, dys = srcad.grad(f, argnums=(0, 1))(x, ys)
        assert type(dys) is type(ys)
        np.testing.assert_allclose(dx, 2 * x)
        np.testing.assert_allclose(dys[1], 4 * x)


# -- what srcad refuses, at the user's line -----------------------------------------------------

REFUSED = {
    "another name of the list is read after the append": ("""
        def f(x):
            xs = []
            ys = xs
            xs.append(x * 2.0)  # refused here
            return np.sum(np.stack(ys))
        """, srcad.AliasingError, "'ys' shares"),
    "a list holding the list is read after the append": ("""
        def f(x):
            xs = [x]
            zs = [xs, 1.0]
            xs.append(x * 3.0)  # refused here
            return np.sum(np.stack(zs[0]))
        """, srcad.AliasingError, "'zs' shares"),
    "a list changed after it was appended to another": ("""
        def f(x):
            rows = []
            row = [x]
            rows.append(row)
            row.append(x * 2.0)  # refused here
            return np.sum(np.array(rows))
        """, srcad.AliasingError, "'rows' shares"),
    "a list extended by itself under another name": ("""
        def f(x):
            xs = [x, x * 2.0]
            ys = xs
            xs.extend(ys)  # refused here
            return np.sum(np.stack(xs))
        """, srcad.AliasingError, "'xs.extend"),
    "a list put into itself": ("""
        def f(x):
            xs = [x]
            xs.append(xs)  # refused here
            return np.sum(xs[0])
        """, srcad.NoGradientRuleError, "puts the list into itself"),
    "a pop into its own index": ("""
        def f(x):
            xs = [x, x * 2.0, x * 3.0]
            i = 1
            i = xs.pop(i)  # refused here
            return np.sum(i)
        """, srcad.NoGradientRuleError, "overwrites a value the pop reads"),
    "a helper appends to the list it is passed": ("""
        def push(lst, v):
            lst.append(v * 2.0)
            return 0.0

        def f(x):
            xs = [x]
            z = push(xs, x)  # refused here
            return np.sum(np.stack(xs)) + z
        """, srcad.AliasingError, "changes its argument 'lst' in place"),
    "a helper appends to the list it is passed, then copies it": ("""
        def push(lst, v):
            lst.append(v * 2.0)
            lst = list(lst)
            return lst

        def f(x):
            xs = [x]
            ys = push(xs, x)  # refused here
            return np.sum(np.stack(ys)) + np.sum(np.stack(xs))
        """, srcad.AliasingError, "changes its argument 'lst' in place"),
    "a helper writes into the list it is passed": ("""
        def set_first(lst, v):
            lst[0] = v
            return 0.0

        def f(x):
            lst = [x, x]
            z = set_first(lst, x * 2.0)  # refused here
            return np.sum(lst[0]) + z
        """, srcad.AliasingError, "changes its argument 'lst' in place"),
    "an object's own append": ("""
        class Log:
            def __init__(self):
                self.items = []

            def append(self, v):
                self.items.append(v)

            def total(self):
                return np.sum(self.items[0])

        def f(x):
            log = Log()
            log.append(x * 2.0)  # refused here (forward mode meets it first)
            return log.total()  # refused here (reverse mode meets it first)
        """, srcad.NoGradientRuleError, "'log' may not be a"),
    "the loop over the list appends to it": ("""
        def f(x):
            xs = [x, x * 2.0]
            for v in xs:
                if len(xs) < 4:
                    xs.append(v * 3.0)  # refused here
            return np.sum(np.stack(xs))
        """, srcad.UnsupportedSyntaxError, "the loop over 'xs' changes it"),
    "a method srcad does not follow": ("""
        def f(x):
            xs = [x, x * 2.0]
            xs.sort()  # refused here
            return np.sum(np.stack(xs))
        """, srcad.UnsupportedSyntaxError, "in place"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
@pytest.mark.parametrize("mode", ["reverse", "forward", "hvp"])
def test_refused_at_the_users_line(name, mode):
    source, error, message = REFUSED[name]
    f = make_function(source, name="f")
    lines = _marked_lines(source)
    x = np.array([0.3, -0.4])
    forward_follows = name.startswith(("another name", "a list holding", "a list changed after",
                                       "a list extended"))  # tangents are shared as values are
    if mode == "forward" and forward_follows:
        _, tangent = srcad.jvp(f, (x,), (x,))
        np.testing.assert_allclose(tangent, directional(f, [x], 0, x), rtol=1e-5, atol=1e-7)
        return
    with pytest.raises(error, match=message) as info:
        if mode == "reverse":
            srcad.grad(f)(x)
        elif mode == "forward":
            srcad.jvp(f, (x,), (x,))
        else:
            srcad.hvp(f)(x, x)
    assert info.value.location.lineno in lines


def _marked_lines(source):
    """The lines of ``source`` (as make_function defines it) marked '# refused here'."""
    return [k for k, text in enumerate(source.split("\n"), 1) if "# refused here" in text]


def test_a_list_srcad_cannot_follow_is_fine_where_no_gradient_flows():
    f = make_function("""
        def f(x):
            xs = [1.0, 2.0]
            xs.append(xs)
            n = len(xs)
            return np.sum(x * n)
        """)
    check_grad(f, [np.array([0.3, -0.4])])


def test_extend_by_a_value_that_is_not_a_sequence_is_refused_where_it_runs():
    source = """
        def f(x, ys):
            xs = [x]
            xs.extend(ys)  # refused here
            return np.sum(np.stack(xs) ** 2)
        """
    f = make_function(source)
    x = np.array([0.3, -0.4])
    for ys in ({1: x}, zip([x], [x])):
        for run in (lambda: srcad.grad(f)(x, ys), lambda: srcad.jvp(f, (x, ys), (x, None))):
            with pytest.raises(srcad.UnsupportedOperationError, match="'ys' is a") as info:
                run()
            assert [info.value.location.lineno] == _marked_lines(source)


# -- the generated code -------------------------------------------------------------------------

def euler_states(x, k):
    states = []
    s = x
    for t in range(3):
        s = s + 0.1 * np.sin(s) * k
        states.append(s)
    return np.sum(np.stack(states) ** 2)


def test_golden_source_of_a_list_built_in_a_loop():
    """Set SRCAD_UPDATE_GOLDEN=1 to rewrite tests/golden/list_append_loop.py, then review it."""
    g = srcad.grad(euler_states)
    goldens.check("list_append_loop", srcad.source(g))
    check_grad(euler_states, [np.array([0.3, -0.7]), 1.5])


def test_the_backward_pass_undoes_the_appends_as_it_goes():
    text = srcad.source(srcad.grad(euler_states))
    assert "dstates.pop()" in text and "states.pop()" in text  # the adjoint and the undo
