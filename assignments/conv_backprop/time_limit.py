"""A wall-clock limit for one test of a student's function, used by this assignment's tests.

A function that loops forever would hang its test, and with it the grading of every question after
it. Inside ``time_limit`` a ``TimeoutError`` (an ordinary exception, so that otter records one
failed test and goes on) is raised in the running code once the limit has passed, and again every
second after that until the block ends, in case the code under test swallows the first one.

It uses SIGALRM, so it works in the main thread on POSIX, which is where Jupyter kernels run cells;
elsewhere (Windows, another thread) the block simply runs without a limit.
"""

import signal
import threading
from contextlib import contextmanager

__all__ = ["TimeLimitExceeded", "time_limit"]


class TimeLimitExceeded(TimeoutError):
    """Raised in the code under test when its time limit has passed."""


@contextmanager
def time_limit(seconds, what="your function"):
    """Run the ``with`` block for at most ``seconds`` seconds of wall-clock time."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    if not (hasattr(signal, "setitimer") and in_main_thread):
        yield
        return

    def on_alarm(signum, frame):
        raise TimeLimitExceeded(
            f"{what} did not finish within {seconds:g} s: is there an infinite loop?"
        )

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
