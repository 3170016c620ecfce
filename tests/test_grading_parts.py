"""The grader's parts that need no sandbox: the wire format and the notebook read as data.

The sandbox's messages are the only thing the grading process reads from a student's process, so
whatever bytes arrive, ``sandbox.receive`` gives arrays of numbers or raises one of its own
errors. The rules are tested in ``test_grading_rules.py``.
"""

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

ASSIGNMENTS = Path(__file__).resolve().parent.parent / "assignments"


# The grader imports its package and sandbox.py from its own folder, as grade.py arranges.
sys.path.insert(0, str(ASSIGNMENTS))
import sandbox  # noqa: E402
from grader import notebook  # noqa: E402


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


def test_magics_become_python_and_markdown_is_left_out():
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": "def conv2d(x, w): pass"},
            {"cell_type": "code", "source": ["%matplotlib inline\n", "x = 1\n"]},
        ]
    }
    assert notebook.code_cells(nb) == [
        "get_ipython().run_line_magic('matplotlib', 'inline')\nx = 1\n"
    ]
