"""The student's side of grading: run a submission's cells, then call one function on request.

``grade.py`` (the grading process, root) starts this script in a sandbox, as an unprivileged user
with resource limits, once per question:

    python sandbox.py IN_FD OUT_FD CELL_TIMEOUT MEMORY_MB CPU_SECONDS

In its working folder it finds ``cells.json`` (the submission's code cells to run, as Python
source the grader has read, each with its number in the notebook)
and a copy of the student kit's ``convlib``. It runs the cells in order, each limited to
CELL_TIMEOUT seconds (an exception in a cell is printed and the next cell runs, as in Jupyter),
then answers requests on IN_FD until the pipe closes: call the named function on the arrays sent
and send back what it returned (or raised), and the arguments as they are after the call.

Everything here runs with the student's code in the same process, so nothing it says is trusted:
the grader reads its messages as data (JSON and raw array bytes, never pickle), checks their size
and types, and decides the grade in its own process. This file also holds that wire format
(:func:`send`, :func:`receive`), which the grader imports from its own copy.
"""

import json
import math
import os
import re
import select
import struct
import sys
import time

import numpy as np

# The wire format: messages of a 4-byte big-endian length and a JSON header; a header with
# "arrays": [{"dtype", "shape"}, ...] is followed by one raw-bytes frame per array.
MAX_HEADER = 1 << 20
MAX_NESTING = 8  # of a header's JSON: the grader's own messages nest 3 deep
MAX_ARRAY_BYTES = 1 << 26  # in all the arrays of one message
MAX_ARRAYS = 16
# The dtypes that may cross: numbers only (no object, string or structured dtypes).
DTYPES = {
    np.dtype(t).newbyteorder(order).str
    for t in ("?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16")
    for order in "<>"
}


class WireError(Exception):
    """A message that breaks the wire format, or one that did not come in time."""


def _write(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _frame(fd, data):
    _write(fd, struct.pack(">I", len(data)) + data)


def send(fd, header, arrays=()):
    """Send ``header`` (a dict) and ``arrays`` (NumPy arrays of numbers) on ``fd``."""
    arrays = [np.array(a, order="C") for a in arrays]  # (ascontiguousarray makes 0-D 1-D)
    header = dict(header, arrays=[{"dtype": a.dtype.str, "shape": list(a.shape)} for a in arrays])
    _frame(fd, json.dumps(header).encode())
    for a in arrays:
        _frame(fd, a.tobytes())


def _read(fd, n, deadline):
    chunks, left = [], n
    while left:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            raise TimeoutError("no answer in time")
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            raise TimeoutError("no answer in time")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd, limit, deadline):
    (n,) = struct.unpack(">I", _read(fd, 4, deadline))
    if n > limit:
        raise WireError(f"a message of {n} bytes, more than the {limit} allowed")
    return _read(fd, n, deadline)


def receive(fd, deadline=None):
    """The next (header, arrays) from ``fd``; ``deadline`` is a time.monotonic() value or None.

    Raises TimeoutError past the deadline, EOFError when the pipe closes, WireError for anything
    that is not a well-formed message. What is parsed is bounded first: the header's size and
    nesting, each array's shape (its product computed exactly, never in a wrapping integer).
    """
    data = _read_frame(fd, MAX_HEADER, deadline)
    if _nesting(data) > MAX_NESTING:
        raise WireError(f"a header nested more than {MAX_NESTING} deep")
    try:
        header = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise WireError(f"not a JSON header: {err}") from None
    if not isinstance(header, dict) or not isinstance(header.get("arrays", []), list):
        raise WireError("the header is not a JSON object with a list of arrays")
    arrays, total = [], 0
    if len(header.get("arrays", [])) > MAX_ARRAYS:
        raise WireError(f"more than {MAX_ARRAYS} arrays in one message")
    for spec in header.get("arrays", []):
        if not isinstance(spec, dict) or spec.get("dtype") not in DTYPES:
            raise WireError(f"an array of a dtype that may not cross: {spec!r:.80}")
        shape = spec.get("shape")
        if not (
            isinstance(shape, list)
            and len(shape) <= 8
            and all(type(n) is int and 0 <= n <= MAX_ARRAY_BYTES for n in shape)
            and math.prod(n for n in shape if n) <= MAX_ARRAY_BYTES
        ):
            raise WireError(f"an array of an impossible shape: {shape!r:.80}")
        dtype = np.dtype(spec["dtype"])
        data = _read_frame(fd, MAX_ARRAY_BYTES - total, deadline)
        total += len(data)
        if len(data) != dtype.itemsize * math.prod(shape):
            raise WireError("an array's bytes do not match its shape and dtype")
        arrays.append(np.frombuffer(data, dtype=dtype).reshape(tuple(shape)).copy())
    return header, arrays


def _nesting(data):
    """How deeply the JSON text ``data`` nests, brackets inside strings not counted."""
    depth = deepest = 0
    for token in _BRACKETS.findall(_JSON_STRING.sub(b"", data)):
        depth += 1 if token in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[][{}]")


# ---------------------------------------------------------------- the runner, as the student


def _limit_resources(memory_mb, cpu_seconds):
    import resource

    limits = {
        resource.RLIMIT_AS: memory_mb << 20,
        resource.RLIMIT_CPU: cpu_seconds,
        resource.RLIMIT_NPROC: 64,  # processes of this user, a fork bomb's end
        resource.RLIMIT_FSIZE: 16 << 20,  # bytes in any one file it writes
        resource.RLIMIT_CORE: 0,
    }
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))


class _CellTimeout(Exception):
    pass


def _run_cells(cells, namespace, cell_timeout, out_fd):
    import signal
    import traceback

    def on_alarm(signum, frame):
        raise _CellTimeout(f"the cell did not finish within {cell_timeout:g} s")

    signal.signal(signal.SIGALRM, on_alarm)
    for cell in cells:
        send(out_fd, {"event": "cell", "number": cell["number"]})
        signal.setitimer(signal.ITIMER_REAL, cell_timeout, 1.0)
        try:
            exec(compile(cell["source"], f"<cell {cell['number']}>", "exec"), namespace)
        except BaseException:  # as in Jupyter: report, go on with the next cell
            signal.setitimer(signal.ITIMER_REAL, 0)
            traceback.print_exc()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)


def _stub_otter():
    """An ``otter`` module whose Notebook does nothing: the notebook's grader cells run quietly."""
    import types

    class Notebook:
        def __init__(self, *args, **kwargs):
            pass

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    otter = types.ModuleType("otter")
    otter.Notebook = Notebook
    sys.modules["otter"] = otter


class _Shell:
    """What ``get_ipython()`` gives here: magics and shell lines are not run, and say so.

    The grader turns the magics that run code (``%time``, ``%%capture``, ...) into that code
    before the rules read it; everything left is refused here without running any string.
    """

    QUIET = {"matplotlib", "config", "load_ext", "reload_ext", "autoreload"}

    def run_line_magic(self, name, line, *args, **kwargs):
        if name not in self.QUIET:
            print(f"[grader] %{name} is not run here")

    def run_cell_magic(self, name, line, cell, *args, **kwargs):
        print(f"[grader] %%{name} is not run here")

    def system(self, command, *args, **kwargs):
        print("[grader] shell commands (!...) are not run here")

    def getoutput(self, command, *args, **kwargs):
        self.system(command)
        return []

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _display(*objects, **kwargs):
    """IPython's display(), for a notebook graded outside Jupyter: print what it shows."""
    for value in objects:
        print(repr(value)[:1000])


def _describe(value):
    """(header, arrays) for what the student's function returned."""
    if value is None:
        return {"kind": "none"}, []
    typename = type(value).__name__
    text = repr(value) if len(repr(value)) <= 200 else repr(value)[:197] + "..."
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        return {"kind": "other", "type": typename, "repr": text, "ragged": True}, []
    if array.dtype.str not in DTYPES or array.nbytes > MAX_ARRAY_BYTES:
        return {"kind": "other", "type": typename, "repr": text, "dtype": str(array.dtype)}, []
    return {"kind": "array", "type": typename}, [array]


def _serve(namespace, in_fd, out_fd):
    import traceback

    while True:
        try:
            request, arrays = receive(in_fd)
        except EOFError:
            return
        fn = namespace.get(request["name"])
        if request.get("op") == "defined" or not callable(fn):
            send(out_fd, {"event": "defined", "callable": callable(fn), "type": type(fn).__name__})
            continue
        # Freed arrays full of a marker, for np.empty to reuse (see convlib.exercises).
        leftovers = [np.full(request["prime"], 1.0e300) for _ in range(8)]
        del leftovers
        copies = [a.copy() for a in arrays]
        try:
            result = fn(*copies)
        except Exception as err:
            builtin = next(c for c in type(err).__mro__ if c.__module__ == "builtins")
            header = {
                "event": "raised",
                "type": builtin.__name__,
                "message": str(err)[:2000],
                # From the student's code down (not this file's frame).
                "traceback": "".join(
                    traceback.format_exception(type(err), err, err.__traceback__.tb_next)
                )[-4000:],
            }
            send(out_fd, header, copies)
            continue
        header, result_arrays = _describe(result)
        header["event"] = "returned"
        header["inputs"] = len(copies)
        send(out_fd, header, [*copies, *result_arrays])


def main(argv):
    in_fd, out_fd = int(argv[1]), int(argv[2])
    cell_timeout, memory_mb, cpu_seconds = float(argv[3]), int(argv[4]), int(argv[5])
    _limit_resources(memory_mb, cpu_seconds)
    with open("cells.json", encoding="utf-8") as f:
        job = json.load(f)
    sys.path.insert(0, os.getcwd())  # the kit's convlib, beside the cells
    _stub_otter()
    shell = _Shell()
    namespace = {
        "__name__": "__main__",
        "__builtins__": __builtins__,
        "get_ipython": lambda: shell,
        "display": _display,
    }
    _run_cells(job["cells"], namespace, cell_timeout, out_fd)
    send(out_fd, {"event": "ready"})
    _serve(namespace, in_fd, out_fd)


if __name__ == "__main__":
    main(sys.argv)
