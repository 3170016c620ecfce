"""The grader's parts that need no sandbox: the wire format and the notebook read as data.

The sandbox's messages are the only thing the grading process reads from a student's process, so
whatever bytes arrive, ``sandbox.receive`` gives arrays of numbers or raises one of its own
errors. The rules are tested in ``test_grading_rules.py``.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

ASSIGNMENTS = Path(__file__).resolve().parents[2] / "assignments"


# The grader imports its package and sandbox.py from its own folder, as grade.py arranges.
sys.path.insert(0, str(ASSIGNMENTS))
import sandbox  # noqa: E402
from grader import cli, notebook  # noqa: E402


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
    (cell,) = notebook.cells_of(json.dumps(nb).encode())
    assert cell.number == 2
    assert cell.source == "get_ipython().run_line_magic('matplotlib', 'inline')\nx = 1\n"


def test_a_header_nested_too_deeply_is_refused_before_it_is_parsed():
    deep = b"[" * 20_000 + b"]" * 20_000  # within a pipe's buffer: through_a_pipe writes first
    with pytest.raises(sandbox.WireError, match="nested more than"):
        through_a_pipe(frame(deep))
    # Brackets inside strings are text, not nesting.
    header, _ = through_a_pipe(frame(json.dumps({"message": "[" * 1000}).encode()))
    assert header["message"] == "[" * 1000


@pytest.mark.parametrize(
    "shape",
    [[0, 2**32, 2**32, 2**32], [2**21, 2**21, 2**21], [1 << 26, 2]],
)
def test_a_shape_whose_product_overflows_is_refused(shape):
    header = json.dumps({"arrays": [{"dtype": "<f8", "shape": shape}]}).encode()
    with pytest.raises(sandbox.WireError, match="impossible shape"):
        through_a_pipe(frame(header) + frame(b""))


# A notebook, read as code only.


def notebook_bytes(*cells, **top):
    return json.dumps({**top, "cells": list(cells), "nbformat": 4}).encode()


def code(source, **extra):
    return {"cell_type": "code", "source": source, **extra}


def test_saved_outputs_and_metadata_of_any_size_or_depth_are_skipped():
    deep = [[[[[[[[[[[]]]]]]]]]]] * 3
    data = notebook_bytes(
        code("x = 1", outputs=[{"text": "y" * 30_000_000, "nested": deep}]),
        code(["def f(a):\n", "    return a[0]\n"]),
    )
    deep_metadata = b'{"metadata": {"deep": ' + b"[" * 50_000 + b"]" * 50_000 + b"}, "
    cells = notebook.cells_of(deep_metadata + data[1:])
    assert [c.number for c in cells] == [1, 2]
    assert cells[1].source == "def f(a):\n    return a[0]\n" and cells[1].tree is not None


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"[" * 100_000,
        b"{}",
        b'{"cells": 3}',
        b'{"cells": [1]}',
        b'{"cells": [{"a": "b',
        b"\xff",
    ],
)
def test_what_is_not_a_notebook_is_unreadable_not_a_crash(data):
    with pytest.raises(notebook.Unreadable):
        notebook.cells_of(data)


def test_code_beyond_the_grader_s_bounds_is_refused_before_parsing():
    with pytest.raises(notebook.Unreadable, match="characters of code"):
        notebook.cells_of(notebook_bytes(code("x = 1\n" * 200_000)))


@pytest.mark.parametrize(
    "source",
    [
        "x = " + "(" * 500 + "1" + ")" * 500,
        "x = np" + ".T" * 50_000,
        "x = " + " + ".join(["1"] * 200),  # shallow text, deep tree
        {"not": "text"},
        ["a", 1],
    ],
)
def test_a_cell_the_grader_cannot_read_will_not_run_and_says_why(source):
    (cell,) = notebook.cells_of(notebook_bytes(code(source)))
    assert cell.tree is None and cell.note.endswith("it was not run")


def test_a_syntax_error_runs_as_it_is_and_binds_nothing():
    (cell,) = notebook.cells_of(notebook_bytes(code("def f(:\n")))
    assert cell.source == "def f(:\n" and cell.tree.body == []


def test_magics_that_run_code_become_that_code_and_the_rest_stay_harmless_calls():
    cells = notebook.cells_of(
        notebook_bytes(
            code("%%time\ndef f(x):\n    return x\n"),
            code("for i in range(2):\n    %time y = f(i)\n%timeit -n 3 -r 1 f(2)\n"),
            code("!rm -rf /\nfiles = !ls\n%%writefile x.py\n"),
            code("%%writefile evil.py\nimport os\n"),
            code("%%capture out\nz = f(3)\n"),
        )
    )
    sources = [c.source for c in cells]
    assert sources[0] == "\ndef f(x):\n    return x\n"  # line numbers kept
    assert sources[1] == "for i in range(2):\n    y = f(i)\nf(2)\n"
    assert "get_ipython().system('rm -rf /')" in sources[2]
    assert sources[3] == "get_ipython().run_cell_magic('writefile', '', '')\n"
    assert sources[4] == "\nz = f(3)\n"
    assert all(c.tree is not None for c in cells)


def test_report_folders_are_safe_unique_and_never_the_summary():
    names = cli.folder_names(
        [
            "a/twin.ipynb",
            "b/twin.ipynb",
            "c/TWIN.ipynb",
            "...ipynb",
            "..ipynb",
            "summary.csv.ipynb",
            "d/../../etc.ipynb",
            ".hidden.ipynb",
            "naïve name (1).zip",
            "twin-2.ipynb",
        ]
    )
    assert names == [
        "twin",
        "twin-2",
        "TWIN-3",
        "submission",
        "submission-2",
        "summary.csv-2",
        "etc",
        "hidden",
        "na_ve_name_1",
        "twin-2-2",
    ]
    assert all("/" not in n and not n.startswith(".") for n in names)
