"""The rules of the questions, checked on what the notebook runs (``grader.rules.check``).

Each cell is given as its parsed tree, as the grader gets it. A graded name may be bound only by
top-level ``def`` statements; a question with a rule on loops reads everything its function
reaches and refuses the ways around the rule: the evasions below each earn a problem that says
which rule and where, honest notebooks earn neither a problem nor a flag.
"""

import ast
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

ASSIGNMENTS = Path(__file__).resolve().parents[2] / "assignments"

# The grader imports its package from its own folder, as grade.py arranges.
sys.path.insert(0, str(ASSIGNMENTS))
from grader import cli, rules  # noqa: E402

QUESTION_LIST = cli.load_questions(ASSIGNMENTS / "conv_backprop")
QUESTIONS = {q["name"]: q for q in QUESTION_LIST}


@dataclass
class Cell:
    number: int
    tree: ast.Module | None


def notebook(*sources):
    """Cells numbered from 1; None stands for a cell that will not run."""
    return [Cell(i, None if s is None else ast.parse(s)) for i, s in enumerate(sources, 1)]


def check(cells, question):
    return rules.check(cells, QUESTIONS[question], QUESTION_LIST)


IMPORTS = "import numpy as np\n\nimport convlib\n"
CONV2D = """\
def conv2d(x, w):
    H, W = x.shape
    k1, k2 = w.shape
    y = np.zeros((H - k1 + 1, W - k2 + 1))
    for r in range(H - k1 + 1):
        for c in range(W - k2 + 1):
            y[r, c] = {}
    return y
"""
LOOPS = CONV2D.format("np.sum(x[r : r + k1, c : c + k2] * w)")
GRAD_X = """\
def grad_x(dy, w):
    N1, N2 = dy.shape
    k1, k2 = w.shape
    dx = np.zeros((N1 + k1 - 1, N2 + k2 - 1))
    for r in range(N1):
        for c in range(N2):
            dx[r : r + k1, c : c + k2] += dy[r, c] * w
    return dx
"""
GRAD_W = "def grad_w(x, dy):\n    return conv2d(x, dy)\n"
FLIP = """\
def grad_x_flip(dy, w):
    k1, k2 = w.shape
    return conv2d(np.pad(dy, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1))), convlib.flip(w))
"""
HONEST = [IMPORTS, LOOPS, GRAD_W, GRAD_X, FLIP]


def solution_cells():
    """The code cells of the master notebook as a student would hand them in: otter's cells,
    the solutions, no test cells."""
    nb = json.loads((ASSIGNMENTS / "conv_backprop" / "master.ipynb").read_text())
    sources, in_tests = ['import otter\ngrader = otter.Notebook("master.ipynb")\n'], False
    question = None
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "raw":
            if source.startswith("# BEGIN QUESTION"):
                question = source.partition("name: ")[2].split()[0]
            in_tests = {"# BEGIN TESTS": True, "# END TESTS": False}.get(source.strip(), in_tests)
        elif cell["cell_type"] == "code" and not in_tests:
            sources.append(source)
            if question:
                sources.append(f'grader.check("{question}")\n')
    sources += ["grader.check_all()\n", "grader.export(pdf=False, run_tests=True)\n"]
    return notebook(*sources)


def assert_clean(cells):
    for question in QUESTIONS:
        verdict = check(cells, question)
        assert verdict == rules.Verdict([], []), (question, verdict)


# Honest notebooks.


def test_the_solutions_break_no_rule():
    cells = solution_cells()
    assert sum("def grad_x_flip" in ast.unparse(c.tree) for c in cells) == 1
    assert_clean(cells)


@pytest.mark.parametrize(
    "cells",
    [
        HONEST,
        # The window sums as methods, with enumerate, a helper and a comprehension.
        [
            IMPORTS,
            "def window(x, r, c, k1, k2):\n    return x[r : r + k1, c : c + k2]\n",
            CONV2D.format("(window(x, r, c, k1, k2) * w).sum()"),
            GRAD_W,
            GRAD_X.replace("for c in range(N2):", "for c, _ in enumerate(dy[r]):"),
            FLIP,
        ],
        [
            IMPORTS,
            CONV2D.format("sum([x[r + a, c + b] * w[a, b] for a in range(k1) for b in range(k2)])"),
            GRAD_W,
            GRAD_X,
            FLIP,
        ],  # fmt: skip
        # from numpy import * in a later cell, and NumPy imported twice.
        [*HONEST, "from numpy import *\n", "import numpy as np\n"],
        ["from numpy import *\nimport convlib\n", *(c.replace("np.", "") for c in HONEST[1:])],
        ["from math import *\n", *HONEST],
        # Printing, asserting, test data, a comparison with the library at the top level.
        [
            *HONEST,
            "rng = np.random.default_rng(0)\nx, w = rng.standard_normal((5, 6)), "
            "rng.standard_normal((2, 3))\n",
            "y = convlib.conv2d(x, w)\nprint(y)\nassert np.allclose(conv2d(x, w), y)\n",
            "for dy in [np.ones((4, 4))]:\n    print(grad_x(dy, w) - grad_x_flip(dy, w))\n",
            'if __name__ == "__main__":\n    print(len(x), x.shape)\n',
        ],
        # The flip imported by name; a cell that will not run.
        [
            IMPORTS,
            "from convlib import flip\n",
            None,
            LOOPS,
            GRAD_W,
            GRAD_X,
            FLIP.replace("convlib.flip", "flip"),
        ],  # fmt: skip
        # The intended route of q4 through the library's conv2d.
        [*HONEST[:4], FLIP.replace("return conv2d(", "return convlib.conv2d(")],
        # Built-ins that take functions, given values or known functions.
        [
            *HONEST[:3],
            GRAD_X.replace(
                "for c in range(N2):",
                "for c in sorted(range(max(0, N2)), "
                "key=abs):\n            k1 = min(k1, max(map(int, [k1, 0])))",
            ),
            FLIP,
        ],
        # NumPy imported inside the function; convlib used elsewhere in the notebook.
        [
            IMPORTS,
            "import convlib\nfrom convlib import conv2d_grad_x as g\n",
            LOOPS.replace("H, W =", "import numpy as np\n\n    H, W ="),
            *HONEST[2:],
        ],
        # A student's own function redefined in a later cell.
        [*HONEST, LOOPS.replace("np.sum(", "float(np.sum(").replace("* w)", "* w))")],
        # A while loop; NumPy arrays built and read in many honest ways.
        [
            IMPORTS,
            "def conv2d(x, w):\n    y = np.zeros_like(x[: x.shape[0] - w.shape[0] + 1, "
            ": x.shape[1] - w.shape[1] + 1])\n    r = 0\n    while r < y.shape[0]:\n"
            "        for c in range(y.shape[1]):\n"
            "            y[r, c] = np.dot(x[r : r + len(w), c : c + w.shape[1]].ravel(), "
            "w.ravel())\n        r += 1\n    return y.astype(float).copy()\n",
            *HONEST[2:],
        ],
    ],
)
def test_honest_notebooks_break_no_rule_and_raise_no_flag(cells):
    assert_clean(notebook(*cells))


# The evasions: each one a problem naming the rule, the student's function and where.

EVASIONS = [
    # Rebinding the name after its def.
    ("q1", [IMPORTS, LOOPS, "if True:\n    conv2d = convlib.conv2d\n"],
     "an assignment binds it in cell 3, line 2"),
    ("q1", [IMPORTS, LOOPS, "for conv2d in [convlib.conv2d]:\n    pass\n"],
     "a for loop's target binds it in cell 3, line 1"),
    ("q1", [IMPORTS, LOOPS, "print(conv2d := convlib.conv2d)\n"],
     "an assignment expression (:=) binds it in cell 3, line 1"),
    ("q1", [IMPORTS, LOOPS, 'globals()["conv2d"] = convlib.conv2d\n'],
     "may not use `globals` (cell 3, line 1)"),
    ("q1", [IMPORTS, "def library(f):\n    return convlib.conv2d\n", "@library\n" + LOOPS],
     "a decorator binds it in cell 3, line 2"),
    ("q1", [IMPORTS, LOOPS, "def make():\n    return convlib.conv2d\n\n\nconv2d = make()\n"],
     "an assignment binds it in cell 3, line 5"),
    ("q1", [IMPORTS, LOOPS, "class Conv:\n    def __call__(self, x, w):\n"
                            "        return convlib.conv2d(x, w)\n\n\nconv2d = Conv()\n"],
     "an assignment binds it in cell 3, line 6"),
    ("q1", [IMPORTS, LOOPS.replace("(x, w):", "(x, w, impl=convlib.conv2d):")
            .replace("return y", "return impl(x, w)")],
     "conv2d uses 'conv2d', a convolution routine, in cell 2, line 1"),
    # A name built at run time.
    ("q1", [IMPORTS, "import sys\n", LOOPS, 'sys.modules["__main__"].conv2d = convlib.conv2d\n'],
     "may not use `.modules` (cell 4, line 1)"),
    ("q1", [IMPORTS, LOOPS, 'exec("conv2d = convlib.conv" + "2d")\n'],
     "may not use `exec` (cell 3, line 1)"),
    # NumPy's FFT and its internal correlate.
    ("q1", [IMPORTS, CONV2D.format("0\n    y = np.real(np.fft.ifft2(np.fft.fft2(x) * "
                                   "np.fft.fft2(w, x.shape)))")],
     "conv2d uses 'fft2', an FFT, in cell 2, line 8"),
    ("q1", [IMPORTS, CONV2D.format("np._core.multiarray.correlate(x[r], w[0])[0]")],
     "conv2d uses '_core', a private part of NumPy, in cell 2, line 7"),
    ("q1", [IMPORTS, CONV2D.format("np.core.multiarray.correlate2(x[r], w[0])[0]")],
     "conv2d uses 'core', a private part of NumPy, in cell 2, line 7"),
    # A sliding-window view and einsum behind a dummy loop.
    ("q1", [IMPORTS, "def conv2d(x, w):\n    for _ in range(1):\n        pass\n"
                     "    windows = np.lib.stride_tricks.sliding_window_view(x, w.shape)\n"
                     "    return np.einsum('rcab,ab->rc', windows, w)\n"],
     "conv2d uses 'einsum', a product over several axes at once, in cell 2, line 5"),
    # q4 calling the student's own loops of q3.
    ("q4", [IMPORTS, LOOPS, GRAD_X, "def grad_x_flip(dy, w):\n    return grad_x(dy, w)\n"],
     "grad_x_flip must get its result by the route this question asks for, not from grad_x: "
     "grad_x_flip calls grad_x (cell 4, line 2), your loop version from q3"),
    # A comprehension inside a lambda is a loop of its own.
    ("q4", [IMPORTS, LOOPS, "def grad_x_flip(dy, w):\n    k1, k2 = w.shape\n"
                            "    full = lambda: np.array([[0.0] * 3 for _ in range(3)])\n"
                            "    return conv2d(full(), convlib.flip(w))\n"],
     "grad_x_flip without loops of its own: it has a comprehension (cell 3, line 3)"),
]  # fmt: skip


@pytest.mark.parametrize(("question", "cells", "said"), EVASIONS)
def test_every_evasion_breaks_its_rule_and_says_where(question, cells, said):
    problems = check(notebook(*cells), question).problems
    assert any(said in p for p in problems), problems
    name = QUESTIONS[question]["function"]
    assert all(name in p for p in problems)


@pytest.mark.parametrize(
    ("cells", "said"),
    [
        ([IMPORTS, LOOPS.replace("np.sum", "convlib.conv2d")], "uses 'conv2d', a convolution"),
        ([IMPORTS, LOOPS.replace("np.sum", "convlib.matrix.im2col")], "uses 'convlib' (of conv"),
        (["from numpy import *\n", LOOPS.replace("np.sum", "correlate")],
         "uses 'correlate', bound in cell 1, line 1 to 'correlate'"),
        (["from scipy import signal\n", LOOPS.replace("np.sum", "signal.convolve2d")], "signal"),
        (["import scipy.signal as s\n", LOOPS.replace("np.sum", "s.oaconvolve")], "oaconvolve"),
        (["from convlib.fft import conv2d_fft\n", LOOPS.replace("np.sum", "conv2d_fft")],
         "uses 'conv2d_fft', bound in cell 1, line 1 to 'convlib.fft.conv2d_fft'"),
        ([IMPORTS, "corr = np.correlate\n", LOOPS.replace("np.sum", "corr")],
         "the value bound to corr (cell 2, line 1), which conv2d reaches, uses 'correlate'"),
        ([IMPORTS, "def h(x, w):\n    return np.convolve(x, w)\n", LOOPS.replace("np.sum", "h")],
         "h, which conv2d reaches, uses 'convolve', a convolution routine, in cell 2, line 2"),
        ([IMPORTS, LOOPS.replace("y = np", "from numpy.lib.stride_tricks import as_strided\n"
                                 "    y = np")],
         "imports 'lib', a private part of NumPy, in cell 2, line 4"),
        ([IMPORTS, LOOPS.replace("y = np", "import scipy\n    y = np")],
         "imports 'scipy', SciPy (a convolution library)"),
        ([IMPORTS, LOOPS.replace("y = np", "import itertools\n    y = np")],
         "imports 'itertools' (only numpy and math may be used)"),
        # A helper rebound through a global declaration; a routine picked from a tuple.
        ([IMPORTS, "def helper(a):\n    return a.sum()\n\n\ndef setup():\n"
          "    global helper\n    helper = np.correlate\n\n\nsetup()\n",
          LOOPS.replace("np.sum", "helper")],
         "the value bound to helper (cell 2, line 7), which conv2d reaches, uses 'correlate'"),
        ([IMPORTS, LOOPS.replace("    return y", "    for f in (np.sum, np.convolve):\n"
                                 "        y = f(y)\n    return y")], "uses 'convolve'"),
        ([IMPORTS, LOOPS.replace("np.sum(", "np.tensordot(w, ")], "uses 'tensordot'"),
        ([IMPORTS, LOOPS.replace("np.sum(", "np.polymul(w, ")], "uses 'polymul'"),
        ([IMPORTS, LOOPS.replace("y = np.zeros(", "y = np.ndarray(strides=x.strides, shape=")],
         "passes strides=, for a strided view"),
        ([IMPORTS, LOOPS.replace("y = np", "for _ in []:\n        pass\n    y = np"),
          "np.sum = np.correlate\n"], "may not use an assignment to `.sum` (cell 3, line 1)"),
        ([IMPORTS, LOOPS, "convlib.flip = convlib.conv2d\n"], "an assignment to `.flip`"),
        (["from numpy import *\n", LOOPS, "random.helper = 0\n"], "an assignment to `.helper`"),
        ([IMPORTS, LOOPS, "np.__dict__['sum'] = np.correlate\n"], "`.__dict__` (cell 3"),
        ([IMPORTS, "from operator import attrgetter\n", LOOPS], "import attrgetter`"),
        ([IMPORTS, "import importlib\n", LOOPS], "the module importlib (cell 2, line 1)"),
        ([IMPORTS, "import __main__ as m\n", LOOPS], "the module __main__ (cell 2, line 1)"),
        ([IMPORTS, "from threading import Thread\n", LOOPS], "the module threading (cell 2"),
        ([IMPORTS, "np.seterrcall(print)\n", LOOPS], "`.seterrcall` (cell 2, line 1)"),
        ([IMPORTS, "def helper(a):\n    return a\n\n\nhelper.flatten = np.correlate\n",
          LOOPS.replace("np.sum(", "helper.flatten(w, ")], "an assignment to `.flatten`"),
        ([IMPORTS, "match np:\n    case object(correlate=corr):\n        pass\n",
          LOOPS.replace("np.sum", "corr")],
         "uses 'correlate', a convolution routine, in cell 2, line 2"),
        (["def conv2d(x, w):\n    return x\n"], "has no for or while loop"),
        ([IMPORTS, LOOPS.replace("np.sum", "getattr(np, 'corr' + 'elate')")], "`getattr`"),
        ([IMPORTS, LOOPS.replace("np.sum", "eval('np.correlate')")], "may not use `eval`"),
        ([IMPORTS, LOOPS.replace("np.sum", "__import__('numpy').sum")], "`__import__`"),
        ([IMPORTS, LOOPS.replace("np.sum", "vars(np)['sum']")], "may not use `vars`"),
    ],
)  # fmt: skip
def test_the_loops_rules_refuse_routes_and_say_what(cells, said):
    problems = check(notebook(*cells), "q1").problems
    assert any(said in p for p in problems), problems


def test_a_loops_question_may_not_lean_on_another_graded_function_with_loops():
    cells = notebook(IMPORTS, LOOPS, GRAD_X.replace("dx = np", "_ = conv2d(dy, w)\n    dx = np"))
    (problem,) = check(cells, "q3").problems
    assert problem == (
        "this question asks for grad_x with loops of its own: grad_x calls conv2d (cell 3, "
        "line 4), your answer to q1, whose loops are not grad_x's work"
    )
    # Without loops of its own, it has none either.
    cells = notebook(IMPORTS, LOOPS, "def grad_x(dy, w):\n    return conv2d(dy, w)\n")
    assert any("has no for or while loop" in p for p in check(cells, "q3").problems)


def test_q4_may_not_reach_q3_through_a_helper_nor_loop_in_one():
    helper = "def helper(dy, w):\n    return grad_x(dy, w)\n"
    cells = notebook(IMPORTS, LOOPS, GRAD_X, helper, FLIP.replace("return conv2d", "return helper"))
    (problem,) = check(cells, "q4").problems
    assert "helper, which grad_x_flip reaches, calls grad_x (cell 4, line 2)" in problem
    looping = GRAD_X.replace("def grad_x(", "def mine(")
    cells = notebook(IMPORTS, LOOPS, looping, "def grad_x_flip(dy, w):\n    return mine(dy, w)\n")
    (problem,) = check(cells, "q4").problems
    assert problem == (
        "this question asks for grad_x_flip without loops of its own: mine, which it calls, has "
        "a for loop (cell 3, line 5)"
    )


# Binding: every way of binding a graded name other than a top-level def.


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("class conv2d:\n    pass\n", "a class definition binds it in cell 3, line 1"),
        ("conv2d = lambda x, w: x\n", "an assignment binds it in cell 3, line 1"),
        ("import convlib as conv2d\n", "an import binds it"),
        ("from convlib import conv2d\n", "an import binds it"),
        ("conv2d += 0\n", "an augmented assignment"),
        ("conv2d: object = None\n", "an annotated assignment"),
        ("with open('f') as conv2d:\n    pass\n", "a with ... as binds it"),
        ("try:\n    pass\nexcept Exception as conv2d:\n    pass\n", "an except ... as binds it"),
        ("[0 for conv2d in range(3)]\n", "a comprehension's target"),
        ("def f():\n    global conv2d\n", "a global declaration binds it in cell 3, line 2"),
        ("def f():\n    conv2d = 1\n    def g():\n        nonlocal conv2d\n",
         "a nonlocal declaration binds it in cell 3, line 4"),
        ("del conv2d\n", "a del statement binds it"),
        ("def f(conv2d):\n    return conv2d\n", "a function parameter binds it"),
        ("lambda conv2d: 0\n", "a function parameter binds it"),
        ("def f():\n    def conv2d(x, w):\n        pass\n", "a def that is not at the top level"),
        ("if True:\n    def conv2d(x, w):\n        pass\n", "a def that is not at the top level"),
        ("match 1:\n    case conv2d:\n        pass\n", "a match pattern binds it in cell 3"),
        ("from convlib import *\n", "`from convlib import *` binds it"),
        ("from scipy.signal import *\n", "`from scipy.signal import *` binds it"),
    ],
)  # fmt: skip
def test_a_graded_name_is_bound_only_by_top_level_defs(source, kind):
    problems = check(notebook(IMPORTS, LOOPS, source), "q1").problems
    assert any(kind in p for p in problems), problems
    assert problems[0].startswith("conv2d must be defined only by `def conv2d(...)` statements")


def test_the_binding_rule_holds_for_a_question_without_other_rules():
    assert check(notebook(*HONEST, "grad_w = lambda x, dy: x\n"), "q2").problems
    # ... and a star import from another module may bind every graded name.
    cells = notebook(*HONEST, "from convlib import *\n")
    assert all(check(cells, q).problems for q in QUESTIONS)
    # NumPy's and math's star imports bind only their own public names.
    assert_clean(notebook("from numpy import *\n", *HONEST, "from numpy import *\n"))


def test_every_definition_is_checked_and_located():
    stub = "def conv2d(x, w):\n    pass\n"
    problems = check(notebook(IMPORTS, stub, LOOPS), "q1").problems
    assert problems == [
        "this question asks for loops: conv2d (cell 2, line 1) has no for or while loop (nor a "
        "comprehension), and no function of yours that it calls has one"
    ]
    later = LOOPS.replace("np.sum", "np.correlate")
    problems = check(notebook(IMPORTS, LOOPS, later), "q1").problems
    assert problems == [
        "this question asks for conv2d with loops of your own, but conv2d uses 'correlate', a "
        "convolution routine, in cell 3, line 7"
    ]


def test_messages_name_the_students_function():
    problems = check(notebook(IMPORTS, "def grad_x(dy, w):\n    return dy\n"), "q3").problems
    assert problems and all("grad_x" in p and "conv2d" not in p for p in problems)


# Flags: what the reading cannot follow, for the instructor; the question is still graded.


@pytest.mark.parametrize(
    ("cells", "flag"),
    [
        (["def apply(f, x, w):\n    return f(x, w)\n", LOOPS.replace("np.sum(", "apply(np.dot, ")],
         "conv2d: calls f (cell 2, line 2), bound by a function parameter (a function passed in)"),
        (["import itertools\n", LOOPS.replace("range(W - k2 + 1)", "itertools.count()")],
         "conv2d: uses itertools (cell 3, line 6), from the module itertools"),
        (["class Kernel:\n    def run(self, a, b):\n        return (a * b).sum()\n",
          LOOPS.replace("np.sum(", "Kernel().run(w, ")],
         "conv2d: uses Kernel (cell 3, line 7), a class of the notebook"),
        (["from numpy import *\n", LOOPS.replace("np.sum(", "make()(w, ")
          + "\n\ndef make():\n    return multiply\n"],
         "calls the result of an expression (cell 3, line 7)"),
        ([IMPORTS, LOOPS.replace("np.sum(", "x.whatever(w, ")], "calls .whatever(...)"),
        # Functions kept in a container that other code fills.
        (["ROUTINES = []\nROUTINES.append(np.correlate)\n",
          LOOPS.replace("    return y", "    for f in ROUTINES:\n        return f(x, w)")],
         "conv2d: calls f (cell 3, line 9), bound by a for loop's target"),
        (["ROUTINES = []\n", LOOPS.replace("np.sum(", "sum(map(ROUTINES[0], ")
          .replace("* w)", "* w))")], "calls the result of an expression (cell 3, line 7)"),
        (["def helper(a, b):\n    return a * b\n\n\nhelper.impl = np.dot\n",
          LOOPS.replace("np.sum(", "helper.impl(w, ")], "calls .impl(...) (cell 3, line 7)"),
    ],
)  # fmt: skip
def test_what_cannot_be_followed_is_flagged_not_guessed(cells, flag):
    verdict = check(notebook(IMPORTS, *cells), "q1")
    assert verdict.problems == []
    assert any(f.startswith(flag) or flag in f for f in verdict.flags), verdict.flags


def test_a_very_deep_tree_is_read_without_recursion():
    expr = ast.Name("x", ast.Load(), lineno=1, col_offset=0)
    for _ in range(5000):
        one = ast.Constant(1, lineno=1, col_offset=0)
        expr = ast.BinOp(expr, ast.Add(), one, lineno=1, col_offset=0)
    deep = ast.Module([ast.Expr(expr, lineno=1, col_offset=0)], type_ignores=[])
    tree = ast.parse(LOOPS)
    tree.body[0].body.insert(0, ast.Expr(expr, lineno=2, col_offset=4))
    cells = [*notebook(*HONEST), Cell(6, deep), Cell(7, tree)]
    assert_clean(cells)


UNRELATED = [
    "print('hello')\n",
    "import numpy as np\n",
    "rng = np.random.default_rng(1)\ndata = rng.standard_normal((4, 4))\n",
    "assert 1 + 1 == 2\n",
    "total = 0\nfor i in range(3):\n    total += i\n",
    "def unrelated(a):\n    return [v * 2 for v in a]\n",
    None,
]
BASES = [HONEST, *([*cells] for _, cells, _ in EVASIONS)]


@given(
    st.sampled_from(range(len(BASES))),
    st.sampled_from(UNRELATED),
    st.integers(0, 10),
    st.sampled_from(list(QUESTIONS)),
)
def test_an_honest_unrelated_cell_never_changes_a_verdict(base, extra, at, question):
    cells = notebook(*BASES[base])
    before = check(cells, question)
    # Its number is kept out of the way of the others, which keep theirs.
    cells.insert(min(at, len(cells)), Cell(99, None if extra is None else ast.parse(extra)))
    assert check(cells, question) == before


def test_text_dunders_may_be_read_and_no_other_dunder_used():
    shows = "try:\n    1 / 0\nexcept ZeroDivisionError as err:\n    print(type(err).__name__)\n"
    assert_clean([*solution_cells(), Cell(99, ast.parse(shows))])
    for source, said in [
        ("conv2d.__name__ = 'x'\n", "`.__name__`"),
        ("code = conv2d.__code__\n", "`.__code__`"),
        ("print(conv2d.__globals__)\n", "`.__globals__`"),
    ]:
        verdict = check([*solution_cells(), Cell(99, ast.parse(source))], "q1")
        assert any(said in p for p in verdict.problems), verdict
