"""What every checker shares: one dtype policy for what counts as right, and a time limit per call.

The checkers of :mod:`convlib.exercises` (and of :mod:`convlib.exercises_beyond` and
:mod:`convlib.exercises_layers`), the assignment's hidden tests and the autograder all decide
"right" with :func:`agrees`, so a float32 answer passes or fails the same everywhere.
"""

import signal
import threading
from contextlib import contextmanager

import numpy as np

from .gradcheck import relative_error

__all__ = [
    "RTOL",
    "TIME_LIMIT",
    "TimeLimitExceeded",
    "agrees",
    "assert_agrees",
    "precision_problem",
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
