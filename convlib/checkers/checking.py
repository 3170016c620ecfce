"""What every checker shares: one dtype policy for what counts as right, a time limit per call, and
one way of calling the student's function.

The checkers of :mod:`convlib.checkers` (:mod:`~convlib.checkers.exercises`,
:mod:`~convlib.checkers.exercises_beyond` and :mod:`~convlib.checkers.exercises_layers`), the
assignment's hidden tests and the autograder all decide "right" with :func:`agrees`, so a float32
answer passes or fails the same everywhere, and every checker calls the student's function through
:func:`call_student`.
"""

import signal
import threading
from contextlib import contextmanager

import numpy as np

from ..gradcheck import relative_error

__all__ = [
    "RTOL",
    "TIME_LIMIT",
    "TimeLimitExceeded",
    "agrees",
    "assert_agrees",
    "call_student",
    "precision_problem",
    "real_array",
    "time_limit",
]

# ---------------------------------------------------------------- the dtype policy

# The largest relative error (max |got - expected| / max |expected|) accepted as right: about a
# hundred float32 round-offs (float32's machine epsilon is 1.2e-7), so that a correct computation
# in float32 passes with room to spare, while float16 (epsilon 9.8e-4) or a rounded answer fails.
RTOL = 1e-5
# Rejected as "imprecise" rather than "wrong" up to this relative error: rounding, not a mistake.
_IMPRECISE = 1e-2


def precision_problem(result):
    """Why the dtype of ``result`` (an array) cannot hold a right answer, or None if it can.

    Real numbers (bool, integers, floats of 32 bits or more) are accepted; float16 is refused,
    and so is anything that is not a real number (complex, object, strings).

    >>> precision_problem(np.zeros(3, dtype=np.float32)) is None
    True
    >>> print(precision_problem(np.zeros(3, dtype=np.float16)))  # doctest: +ELLIPSIS
    your result has dtype float16, which keeps only about 3 significant digits; ...
    """
    dtype = np.asarray(result).dtype
    if dtype.kind not in "biuf":
        return f"your result has dtype {dtype}: it must hold real numbers (float64 or float32)"
    if dtype.kind == "f" and dtype.itemsize < 4:
        digits = int(np.finfo(dtype).precision)
        return (
            f"your result has dtype {dtype}, which keeps only about {digits} significant digits; "
            f"compute in float64 (NumPy's default) or float32"
        )
    return None


def agrees(got, expected):
    """True if ``got`` is right by the dtype policy: an accepted dtype, the shape of ``expected``,
    every entry finite, and a relative error of at most :data:`RTOL`.

    >>> y = np.array([[1.0, -2.0], [3.0, 4.0]])
    >>> agrees(y.astype(np.float32), y), agrees(y.astype(np.float16) * 1.001, y)
    (True, False)
    """
    got, expected = np.asarray(got), np.asarray(expected)
    return (
        precision_problem(got) is None
        and got.shape == expected.shape
        and bool(np.isfinite(got).all())
        and relative_error(got, expected) <= RTOL
    )


def assert_agrees(got, expected, what="the result"):
    """Raise ``AssertionError`` saying how ``got`` fails the dtype policy (see :func:`agrees`).

    The message names the dtype, the shape, a non-finite entry, or the relative error, and calls
    a small error "imprecise" (rounding) rather than wrong; it never shows ``expected``'s values.
    """
    try:
        got = np.asarray(got)
    except (ValueError, TypeError):
        raise AssertionError(f"{what} is not an array of numbers") from None
    expected = np.asarray(expected)
    problem = precision_problem(got)
    if problem:
        raise AssertionError(f"{what}: {problem}")
    if got.shape != expected.shape:
        raise AssertionError(f"{what} has shape {got.shape}, expected {expected.shape}")
    if not np.isfinite(got).all():
        raise AssertionError(f"{what} has entries that are not finite numbers (NaN or inf)")
    error = relative_error(got, expected)
    if error > _IMPRECISE:
        raise AssertionError(f"{what} is wrong (relative error {error:.2g})")
    if error > RTOL:
        raise AssertionError(
            f"{what} is imprecise: relative error {error:.2g}, more than the {RTOL:g} allowed "
            "(float32 is precise enough; float16 or rounding is not)"
        )


# ---------------------------------------------------------------- a time limit per call

TIME_LIMIT = 10.0  # seconds for one call of the student's function


class TimeLimitExceeded(TimeoutError):
    """Raised in the student's code when its time limit has passed."""


@contextmanager
def time_limit(seconds, what="your function"):
    """Run the ``with`` block for at most ``seconds`` seconds of wall-clock time.

    Past the limit a :class:`TimeLimitExceeded` is raised in the running code, and again every
    second until the block ends, in case the code catches the first. It uses SIGALRM, so it works
    in the main thread on POSIX (where Jupyter runs cells); elsewhere the block runs unlimited.
    ``seconds=None`` also means no limit. This stops honest infinite loops; code that catches
    every exception forever can only be stopped from another process (the autograder does that).
    """
    in_main_thread = threading.current_thread() is threading.main_thread()
    if seconds is None or not (hasattr(signal, "setitimer") and in_main_thread):
        yield
        return

    def on_alarm(signum, frame):
        raise TimeLimitExceeded(
            f"{what} did not finish within {seconds:g} s: is there an infinite loop (a while "
            "loop whose condition never changes, or a range that never ends)?"
        )

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------- calling the student's function


def index_text(index):
    """An array index as the student would write it: ``(1, 2)``."""
    return str(tuple(int(i) for i in index))


def number_text(value, other=None):
    """``value`` to 6 significant digits, or more if needed to tell it from ``other``."""
    value = float(value) + 0.0  # + 0.0 shows -0.0 as 0
    for digits in (6, 9, 12, 17):
        text = f"{value:.{digits}g}"
        if other is None or text != f"{float(other) + 0.0:.{digits}g}":
            break
    return text


def _index_hint(err):
    if isinstance(err, IndexError):
        return "An index ran past an array's end: check your loop bounds. "
    return ""


def call_student(fn, args, name, where, *, seconds=TIME_LIMIT, hint=_index_hint, before=None):
    """``fn(*args.values())`` on copies of the arrays in ``args``, under a time limit.

    The student's mistakes become an ``AssertionError`` that says what happened and where
    (``where`` describes the case): it ran out of time, it raised (with ``hint(err)``'s advice
    and the traceback kept), or it changed an input in place. ``before()``, if given, runs after
    the copies are made and just before the call.
    """
    copies = [v.copy() if isinstance(v, np.ndarray) else v for v in args.values()]
    if before is not None:
        before()
    try:
        with time_limit(seconds, f"your {name} ({where})"):
            result = fn(*copies)
    except TimeLimitExceeded as err:
        raise AssertionError(f"time limit: {err}") from None
    except Exception as err:  # the student's bug, not the checker's: say so, keep the traceback
        error = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
        raise AssertionError(
            f"your {name} raised {error} (called as {name}({', '.join(args)}), {where}). "
            f"{hint(err)}The traceback above points at the line."
        ) from err
    for (arg, original), copy in zip(args.items(), copies, strict=True):
        if not isinstance(original, np.ndarray):
            continue
        if copy.shape != original.shape or not np.array_equal(copy, original):
            at = ""
            if copy.shape == original.shape:
                i = tuple(np.argwhere(copy != original)[0])
                at = (
                    f" (at {index_text(i)} it was {number_text(original[i])}, "
                    f"now {number_text(copy[i])})"
                )
            raise AssertionError(
                f"input modified ({where}): your {name} changed {arg} in place{at}. The "
                f"caller still needs {arg}: write into a new array, or use {arg}.copy()."
            )
    return result


def real_array(result, name, where, returns):
    """The student's ``result`` as a NumPy array of real numbers, or an ``AssertionError``.

    ``returns`` names what the function should return (``"dL/dx"``, say); a ``None`` result
    suggests the ``return`` line it forgot.
    """
    if result is None:
        raise AssertionError(
            f"returned None ({where}): your {name} returns nothing. "
            f"Did you forget `return {returns.replace('dL/', '')}`?"
        )
    what = f"type {type(result).__name__}"
    try:
        array = np.asarray(result)
        what += f", dtype {array.dtype}" if isinstance(result, np.ndarray) else ""
    except (ValueError, TypeError):  # nested lists that are not rectangular
        array, what = None, f"{what}, rows of different lengths"
    if array is None or array.dtype.kind not in "biuf":
        shown = repr(result) if len(repr(result)) <= 60 else repr(result)[:57] + "..."
        raise AssertionError(
            f"not an array of real numbers ({where}): your {name} returned {shown} "
            f"({what}). Return {returns} as a NumPy array of numbers."
        )
    return array
