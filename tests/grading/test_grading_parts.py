"""The grader's parts that need no sandbox: the wire format and the rules read from the source.

The sandbox's messages are the only thing the grading process reads from a student's process, so
whatever bytes arrive, ``sandbox.receive`` gives arrays of numbers or raises one of its own
errors. The rules (loops, no library convolution) are checked on the notebook's source.
"""

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

ASSIGNMENTS = Path(__file__).resolve().parents[2] / "assignments"


def load(name):
    spec = importlib.util.spec_from_file_location(name, ASSIGNMENTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


sandbox = load("sandbox")
grade = load("grade")
QUESTIONS = {q["name"]: q for q in grade.load_questions(ASSIGNMENTS / "conv_backprop")}


def through_a_pipe(data):
    """What ``sandbox.receive`` makes of ``data`` written to a pipe and closed."""
    read, write = os.pipe()
    try:
        os.write(write, data)
        os.close(write)
        write = None
        return sandbox.receive(read, deadline=None)
    finally:
        os.close(read)
        if write is not None:
            os.close(write)


dtypes = st.sampled_from(["?", "i1", "i4", "i8", "u2", "f2", "f4", "f8", ">f8", "c16"])
arrays = dtypes.flatmap(
    lambda dt: hnp.arrays(np.dtype(dt), hnp.array_shapes(min_dims=0, max_dims=3, max_side=5))
)


@given(st.lists(arrays, max_size=4), st.dictionaries(st.sampled_from("abc"), st.integers()))
def test_arrays_cross_the_pipe_unchanged(sent, header):
    read, write = os.pipe()
    try:
        sandbox.send(write, header, sent)
        got_header, got = sandbox.receive(read, deadline=None)
    finally:
        os.close(read)
        os.close(write)
    assert {k: got_header[k] for k in header} == header
    assert len(got) == len(sent)
    for a, b in zip(sent, got, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
        assert b.flags.writeable and b.dtype != object


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_any_bytes_give_numbers_or_a_wire_error(data):
    try:
        header, got = through_a_pipe(data)
    except (sandbox.WireError, EOFError):
        return
    assert isinstance(header, dict)
    assert all(a.dtype.kind in "biufc" for a in got)


def frame(payload):
    return len(payload).to_bytes(4, "big") + payload


@pytest.mark.parametrize(
    "header",
    [
        b'{"arrays": [{"dtype": "|O", "shape": [1]}]}',  # objects: what pickle would carry
        b'{"arrays": [{"dtype": "<U4", "shape": [1]}]}',
        b'{"arrays": [{"dtype": "<f8", "shape": [-1]}]}',
        b'{"arrays": [{"dtype": "<f8", "shape": [1000000000, 1000000000]}]}',
        b'{"arrays": "many"}',
        b"[1, 2]",
        b'{"arrays": [' + b",".join([b'{"dtype": "<f8", "shape": [0]}'] * 17) + b"]}",
    ],
)
def test_what_may_not_cross_is_refused(header):
    with pytest.raises(sandbox.WireError):
        through_a_pipe(frame(header) + frame(b""))


def test_a_message_larger_than_allowed_is_refused_before_it_is_read():
    with pytest.raises(sandbox.WireError, match="more than"):
        through_a_pipe((sandbox.MAX_HEADER + 1).to_bytes(4, "big"))


def test_a_message_that_does_not_come_is_a_timeout():
    read, write = os.pipe()
    try:
        with pytest.raises(TimeoutError):
            sandbox.receive(read, deadline=0)
    finally:
        os.close(read)
        os.close(write)


# The rules, read from the notebook's source.

LOOPS = "def conv2d(x, w):\n    for r in range(1):\n        pass\n    return {}\n"


@pytest.mark.parametrize(
    "cells",
    [
        [LOOPS.format("np.zeros((1, 1))")],
        # A helper of the notebook that has the loops.
        ["def helper(x):\n    return [v for v in x]\n", "def conv2d(x, w):\n    return helper(x)"],
        # NumPy imported inside the function.
        ["def conv2d(x, w):\n    import numpy as np\n    while False:\n        pass\n"],
        # convlib used elsewhere in the notebook, not by conv2d.
        ["import convlib\nfrom convlib import conv2d_grad_x as g\n", LOOPS.format("x")],
        # The flip is not a convolution.
        [LOOPS.format("convlib.flip(w)")],
        ["from convlib import flip\n", LOOPS.format("flip(w)")],
    ],
)
def test_honest_loops_pass_the_rules(cells):
    assert grade.rule_problems(cells, QUESTIONS["q1"]) == []


@pytest.mark.parametrize(
    ("cells", "said"),
    [
        ([LOOPS.format("convlib.conv2d(x, w)")], "uses 'conv2d'"),
        (["from numpy import *\n", LOOPS.format("correlate(x, w)")], "uses 'correlate'"),
        (["from convlib import *\n", LOOPS.format("conv2d_grad_x(x, w)")], "'conv2d_grad_x'"),
        ([LOOPS.format("convlib.flip(convlib.matrix.im2col(x, w))")], "uses 'convlib'"),
        (["from convlib.fft import conv2d_fft\n", LOOPS.format("conv2d_fft(x, w)")], "uses 'conv"),
        ([LOOPS.format("np.correlate(x, w)")], "uses 'correlate'"),
        (["from scipy import signal\n", LOOPS.format("signal.convolve2d(x, w)")], "'convolve2d'"),
        (["import scipy.signal as s\n", LOOPS.format("s.oaconvolve(x, w)")], "uses 'oaconvolve'"),
        (["c = convlib.conv2d\n", LOOPS.format("c(x, w)")], "uses 'c'"),
        ([LOOPS.format("getattr(convlib, 'con' + 'v2d')(x, w)")], "uses 'getattr'"),
        ([LOOPS.format("eval('convlib.conv2d')(x, w)")], "uses 'eval'"),
        ([LOOPS.format("__import__('convlib').x(x, w)")], "uses '__import__'"),
        (["def conv2d(x, w):\n    return np.zeros((1, 1))\n"], "has no for or while loop"),
        (["conv2d = lambda x, w: x\n"], "must be written with `def conv2d(...)`"),
        (
            ["def h(x, w):\n    return convlib.conv2d(x, w)\n", LOOPS.format("h(x, w)")],
            "h, which conv2d calls, uses",
        ),
    ],
)
def test_the_rules_refuse_the_library_and_say_what(cells, said):
    problems = grade.rule_problems(cells, QUESTIONS["q1"])
    assert problems and said in " ".join(problems)


def test_the_flip_question_refuses_loops_of_its_own():
    own = "def grad_x_flip(dy, w):\n    for a in range(1):\n        pass\n    return dy\n"
    calls = "def grad_x_flip(dy, w):\n    return conv2d(np.pad(dy, 1), convlib.flip(w))\n"
    assert "without loops of its own" in grade.rule_problems([own], QUESTIONS["q4"])[0]
    assert grade.rule_problems([LOOPS.format("x"), calls], QUESTIONS["q4"]) == []


def test_magics_become_python_and_markdown_is_left_out():
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": "def conv2d(x, w): pass"},
            {"cell_type": "code", "source": ["%matplotlib inline\n", "x = 1\n"]},
        ]
    }
    assert grade.code_cells(nb) == ["get_ipython().run_line_magic('matplotlib', 'inline')\nx = 1\n"]
