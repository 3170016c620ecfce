"""Checkers for the students' code: each runs the student's function on fixed cases, prints one
line when every result is right, and otherwise raises ``AssertionError`` naming the mistake.

- :mod:`~convlib.checkers.checking`: what they share: the dtype policy (:data:`RTOL`,
  :func:`agrees`, :func:`assert_agrees`), the time limit per call (:data:`TIME_LIMIT`), and
  ``call_student``, the one way every checker calls the student's function;
- :mod:`~convlib.checkers.exercises`: chapters 1 to 4, :func:`check_conv2d`,
  :func:`check_grad_w` and :func:`check_grad_x`;
- :mod:`~convlib.checkers.exercises_beyond`: chapters 5 and 6, :func:`check_batch_grad_x` and
  :func:`check_strided_grad_x`;
- :mod:`~convlib.checkers.exercises_layers`: chapter 9, :func:`check_max_pool_grad_x`.

Every checker takes ``time_limit`` (seconds per call, None for none). NumPy and convlib's maths
only: the assignment's grader imports them where nothing else may be installed::

    from convlib.checkers import check_conv2d
"""

from .checking import RTOL, TIME_LIMIT, agrees, assert_agrees, precision_problem
from .exercises import check_conv2d, check_grad_w, check_grad_x
from .exercises_beyond import check_batch_grad_x, check_strided_grad_x
from .exercises_layers import check_max_pool_grad_x

__all__ = [
    "RTOL",
    "TIME_LIMIT",
    "agrees",
    "assert_agrees",
    "precision_problem",
    "check_conv2d",
    "check_grad_w",
    "check_grad_x",
    "check_batch_grad_x",
    "check_strided_grad_x",
    "check_max_pool_grad_x",
]
