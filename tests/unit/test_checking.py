"""convlib.checkers.checking's one way of calling a student's function, shared by every checker."""

import numpy as np
import pytest

from convlib.checkers import exercises, exercises_beyond, exercises_layers
from convlib.checkers.checking import call_student, real_array


def test_the_function_gets_copies_and_the_caller_keeps_its_arrays():
    x = np.arange(6.0).reshape(2, 3)
    seen = []

    def keeps(x, k):
        seen.append(x)
        return x.sum() * k

    assert call_student(keeps, {"x": x, "k": 2}, "f", "case 1") == 30.0
    assert seen[0] is not x and np.array_equal(seen[0], x)


def test_before_runs_after_the_copies_and_before_the_call():
    order = []
    call = lambda a: order.append("call")  # noqa: E731
    call_student(call, {"a": np.zeros(2)}, "f", "here", before=lambda: order.append("before"))
    assert order == ["before", "call"]


def test_a_changed_input_is_named_with_where_it_changed():
    def doubles(x, w):
        x[1, 2] = 7.0
        return x

    with pytest.raises(AssertionError) as info:
        call_student(doubles, {"x": np.zeros((2, 3)), "w": np.ones(1)}, "f", "x of shape (2, 3)")
    assert str(info.value) == (
        "input modified (x of shape (2, 3)): your f changed x in place (at (1, 2) it was 0, now 7)."
        " The caller still needs x: write into a new array, or use x.copy()."
    )


def test_an_exception_keeps_its_traceback_and_gets_a_hint():
    def off_the_end(x):
        return x[len(x)]

    with pytest.raises(AssertionError) as info:
        call_student(off_the_end, {"x": np.zeros(3)}, "f", "x of shape (3,)")
    message = str(info.value)
    assert message.startswith("your f raised IndexError: index 3 is out of bounds")
    assert "(called as f(x), x of shape (3,))" in message and "check your loop bounds" in message
    assert isinstance(info.value.__cause__, IndexError)


def test_an_endless_loop_is_stopped():
    def forever(x):
        while True:
            pass

    with pytest.raises(AssertionError, match=r"^time limit: your f \(here\) did not finish"):
        call_student(forever, {"x": np.zeros(1)}, "f", "here", seconds=0.2)


@pytest.mark.parametrize(
    "result, message",
    [
        (None, r"^returned None \(here\): your f returns nothing\. Did you forget `return dx`\?"),
        ([[1, 2], [3]], r"^not an array of real numbers .*rows of different lengths"),
        (np.ones(2, dtype=complex), r"^not an array of real numbers .*dtype complex128"),
        ("dx", r"^not an array of real numbers .*type str"),
    ],
)
def test_what_is_not_an_array_of_real_numbers_is_refused(result, message):
    with pytest.raises(AssertionError, match=message):
        real_array(result, "f", "here", "dL/dx")


def test_lists_and_integers_are_arrays_of_real_numbers():
    assert real_array([[1, 2], [3, 4]], "f", "here", "dL/dx").tolist() == [[1, 2], [3, 4]]


def _in_place(*args):
    args[0][0, 0] += 1.0  # the first argument is an array in every exercise
    return args[0]


@pytest.mark.parametrize(
    "check",
    [
        exercises.check_grad_x,
        exercises_beyond.check_batch_grad_x,
        exercises_beyond.check_strided_grad_x,
        exercises_layers.check_max_pool_grad_x,
    ],
)
def test_every_checker_says_the_same_about_a_changed_input(check):
    first = {"check_grad_x": "dy", "check_max_pool_grad_x": "x"}.get(check.__name__, "dy")
    with pytest.raises(AssertionError, match=rf"^input modified .*changed {first} in place \(at"):
        check(_in_place)


CHECKERS = [
    (exercises, exercises.check_conv2d),
    (exercises, exercises.check_grad_w),
    (exercises, exercises.check_grad_x),
    (exercises_beyond, exercises_beyond.check_batch_grad_x),
    (exercises_beyond, exercises_beyond.check_strided_grad_x),
    (exercises_layers, exercises_layers.check_max_pool_grad_x),
]
IDS = [check.__name__ for _, check in CHECKERS]


@pytest.mark.parametrize("module, check", CHECKERS, ids=IDS)
def test_every_checker_hands_its_time_limit_to_the_one_call_step(module, check, monkeypatch):
    # The grader passes time_limit=None (it limits time itself); a notebook gets 10 s a call.
    seen = []

    def spy(fn, args, name, where, *, seconds, **options):
        seen.append(seconds)
        raise AssertionError("stop after the first call")

    monkeypatch.setattr(module, "call_student", spy)
    for given, expected in [({}, 10.0), ({"time_limit": None}, None), ({"time_limit": 2.5}, 2.5)]:
        with pytest.raises(AssertionError, match="stop after the first call"):
            check(lambda *args: None, **given)
        assert seen.pop() == expected, (check.__name__, given)


@pytest.mark.parametrize("module, check", CHECKERS, ids=IDS)
def test_every_checker_stops_an_endless_loop_at_its_time_limit(module, check):
    def forever(*args):
        while True:
            pass

    with pytest.raises(
        AssertionError, match=r"^time limit: your \w+ \(.*\) did not finish within 0.3 s"
    ):
        check(forever, time_limit=0.3)
