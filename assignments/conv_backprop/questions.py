"""The conv_backprop assignment as the grader sees it: questions, points, rules and hidden tests.

Data only: ``assignments/grade.py`` reads it in the grading process, which students' code never
runs in; it is in the autograder zip (readable by root only on Gradescope) and never in the
student's folder. For each question the grader calls the student's function, in a sandbox, on

- the public checker's cases (the question's ``checker``, a function of
  ``convlib.checkers.exercises`` that the notebook's public test also calls: its diagnoses are
  what the student sees there), for half the points, and
- the hidden cases below, arrays drawn from ``numpy.random.default_rng(seed)`` in the order of
  ``args``, compared by the dtype policy (``convlib.checkers.exercises.assert_agrees``) with
  convlib's ``answer`` computed in the grading process, for the other half.

Rules (``grader/rules.py``, checked on the notebook's code before anything runs; a question
that breaks one scores 0). For every question, its ``function`` may be bound only by top-level
``def`` statements, without decorators. The ``rules`` of a question:

- ``loops``: the function, or a function of the notebook that it calls, has a ``for`` or
  ``while`` loop (or a comprehension); calling another graded function that has loops does not
  count and breaks the rule;
- ``no-library``: nothing the function reaches uses a convolution routine of convlib, NumPy or
  SciPy (``convlib.conv2d``, ``np.correlate``, ``scipy.signal.convolve2d``, ...) or another
  vectorised route (the FFT, ``einsum``, ``tensordot``, strided views, NumPy's internals);
- ``no-own-loops``: neither the function nor the notebook functions it calls (other than graded
  ones) has a loop (it calls ``conv2d`` for the correlation).

With any of them, the notebook may not reach code by name at run time (``exec``, ``getattr``,
``sys.modules``, dunder attributes, ...). ``refuses``: names of other graded functions that the
function, and the notebook functions it calls, must not call.
"""

# Each hidden case: the shapes of the arguments, in the order of ``args``.
QUESTIONS = [
    {
        "name": "q1",
        "points": 2,
        "function": "conv2d",
        "args": ["x", "w"],
        "checker": "check_conv2d",
        "answer": "conv2d",
        "rules": ["loops", "no-library"],
        "seed": 2101,
        "hidden": [
            [[5, 5], [1, 1]],
            [[4, 7], [2, 3]],
            [[6, 3], [3, 1]],
            [[7, 2], [1, 2]],
            [[3, 8], [3, 8]],
        ],
    },
    {
        "name": "q2",
        "points": 2,
        "function": "grad_w",
        "args": ["x", "dy"],
        "checker": "check_grad_w",
        "answer": "conv2d_grad_w",
        "rules": [],
        "seed": 2102,
        "hidden": [
            [[5, 5], [5, 5]],
            [[4, 7], [3, 5]],
            [[6, 3], [4, 3]],
            [[7, 2], [7, 1]],
            [[3, 8], [1, 1]],
        ],
    },
    {
        "name": "q3",
        "points": 4,
        "function": "grad_x",
        "args": ["dy", "w"],
        "checker": "check_grad_x",
        "answer": "conv2d_grad_x",
        "rules": ["loops", "no-library"],
        "seed": 2103,
        "hidden": [
            [[5, 5], [1, 1]],
            [[3, 5], [2, 3]],
            [[4, 2], [3, 1]],
            [[1, 1], [3, 3]],
            [[2, 6], [4, 1]],
        ],
    },
    {
        "name": "q4",
        "points": 2,
        "function": "grad_x_flip",
        "args": ["dy", "w"],
        "checker": "check_grad_x",
        "answer": "conv2d_grad_x",
        "rules": ["no-own-loops"],
        "refuses": ["grad_x"],
        "seed": 2104,
        "hidden": [
            [[5, 5], [1, 1]],
            [[3, 5], [2, 3]],
            [[4, 2], [3, 1]],
            [[1, 1], [3, 3]],
            [[2, 6], [4, 1]],
        ],
    },
]
