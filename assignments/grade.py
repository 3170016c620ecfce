"""Grade submissions in sandboxes: students' code never runs in the process that decides the grade.

    sudo .venv/bin/python assignments/grade.py SUBMISSION.ipynb [...] --out DIR
        [--autograder ZIP] [--jobs 1] [--timeout 120] [--call-timeout 10] [--cell-timeout 60]
        [--memory 2048]

Each submission (a notebook, or the zip its export cell makes) is read here as data. For each
question a sandbox process, running as an unprivileged user of its own (``setpriv``), with
resource limits and, where Linux allows it, in new PID, mount and network namespaces
(``unshare``), runs the notebook's code cells and then calls that question's function on the
arrays this process sends (``sandbox.py``: JSON and raw bytes, never pickle). Here, the arrays
that come back are checked with this process's own convlib: the public checker of
``convlib.exercises`` (half of the points; its diagnosis is the feedback) and hidden cases
compared by the one dtype policy (``convlib.exercises.assert_agrees``; the other half). The
rules a question states (loops, no library convolution) are checked on the notebook's source.

When the question is done, every process of the sandbox's user is killed, whatever it did: a
detached process cannot outlive its question. A function that hangs, exits or crashes costs its
own question, and the submission's status says so (e.g. ``q3 timed out after 10 s``).

Output, in ``--out`` (default ``_build/graded/``):

    OUT/summary.csv        submission, status, total, then one column per question
    OUT/NAME/report.txt    the feedback per question, as the student would see it
    OUT/NAME/results.json  the same in Gradescope's format
    OUT/NAME/q1.log ...    what the submission printed while each question was graded

``--gradescope ROOT`` grades ``ROOT/submission`` into ``ROOT/results/results.json`` (the zip's
``run_autograder`` does this with ROOT=/autograder). Grading needs root, to run the students'
code as other users. The exit code is 0 when every submission was graded, whatever the scores.
"""

import argparse
import ast
import contextlib
import csv
import fcntl
import io
import json
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # sandbox.py's wire format; in the zip, also the trusted convlib

import sandbox  # noqa: E402  (this folder's copy: the grader's, not the student's)

import convlib  # noqa: E402
from convlib import exercises  # noqa: E402

DEFAULT_AUTOGRADER = (
    HERE.parent / "_build/assignments/conv_backprop/autograder/conv_backprop-autograder.zip"
)
# The sandboxes' users: numeric ids without a name, one per submission graded at once, taken
# from this range under a lock file each, so that two gradings at once never share one.
UID_BASE, UID_COUNT = 61000, 1000
LOCKS = Path(tempfile.gettempdir()) / "convlib-grade-uids"
MAX_NOTEBOOK_BYTES = 20 << 20
GRACE = 3.0  # seconds past a cell's own limit before its process is killed
LOG_LIMIT = 1 << 20  # bytes of a question's output kept in its log; the rest is read and dropped
PUBLIC_SHARE = 0.5  # of a question's points for the public checker; the rest for hidden tests


class Incident(BaseException):
    """The sandbox stopped answering: timed out, exited or crashed. Not an ``Exception``, so that
    the checkers, which report the student's exceptions, let it through."""


# ---------------------------------------------------------------- the submission, as data


def read_notebook(path):
    """The notebook of a submission (.ipynb, or a zip holding one), parsed as JSON."""
    path = Path(path)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith(".ipynb") and "/." not in n]
            if len(names) != 1:
                raise ValueError(f"{path}: expected one .ipynb in the zip, found {names}")
            info = zf.getinfo(names[0])
            if info.file_size > MAX_NOTEBOOK_BYTES:
                raise ValueError(f"{path}: the notebook is larger than {MAX_NOTEBOOK_BYTES} bytes")
            text = zf.read(info)
    else:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise ValueError(f"{path}: larger than {MAX_NOTEBOOK_BYTES} bytes")
        text = path.read_bytes()
    nb = json.loads(text)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"{path}: not a Jupyter notebook (no list of cells)")
    return nb


def code_cells(nb):
    """The code cells as plain Python: IPython's magics become calls, as in a kernel."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        transform = TransformerManager().transform_cell
    except ImportError:  # pragma: no cover - IPython comes with otter and Jupyter
        transform = str
    cells = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        try:
            cells.append(transform(source))
        except Exception:  # a cell IPython cannot read: run it as it is (it will fail there)
            cells.append(source)
    return cells


# ---------------------------------------------------------------- the rules, on the source

# Convolution routines: convlib's, NumPy's and SciPy's (signal, ndimage), and the FFT.
LIBRARY = {
    "conv2d", "conv2d_grad_w", "conv2d_grad_x", "correlate", "correlate2d", "convolve",
    "convolve2d", "fftconvolve", "oaconvolve", "fft2", "ifft2", "rfft2", "irfft2",
}  # fmt: skip
LIBRARY_MODULES = {"convlib", "scipy"}
# What a loops question may still use from convlib: the flip is not a convolution.
ALLOWED = {"flip"}
# Ways to reach a name that the source does not show.
DYNAMIC = {"getattr", "__import__", "eval", "exec", "globals", "vars", "importlib", "locals"}


def _definitions(cells):
    """{name: FunctionDef} for the notebook's top-level functions (the last one wins) and the
    names bound at top level to anything that mentions a library routine or a dynamic lookup."""
    functions, tainted = {}, set()
    for source in cells:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions[node.name] = node
                tainted.discard(node.name)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                module = getattr(node, "module", None) or ""
                for alias in node.names:
                    bound = (alias.asname or alias.name).split(".")[0]
                    root = (module or alias.name).split(".")[0]
                    if alias.name == "*":  # every routine of the module, under its own name
                        tainted |= LIBRARY
                        for name in LIBRARY:
                            functions.pop(name, None)
                        continue
                    if alias.name in LIBRARY or (
                        root in LIBRARY_MODULES and alias.name not in ALLOWED
                    ):
                        tainted.add(bound)
                    functions.pop(bound, None)
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
                for name in names:
                    functions.pop(name, None)
                if node.value is not None and _mentions(node.value, tainted):
                    tainted |= names
    return functions, tainted


def _mentions(node, tainted):
    """The first library routine, library module or dynamic lookup that ``node`` mentions."""
    allowed = {
        id(sub.value)
        for sub in ast.walk(node)
        if isinstance(sub, ast.Attribute)
        and sub.attr in ALLOWED
        and isinstance(sub.value, ast.Name)
    }
    for sub in ast.walk(node):
        if id(sub) in allowed:
            continue
        if isinstance(sub, ast.Name) and (
            sub.id in tainted or sub.id in LIBRARY_MODULES or sub.id in DYNAMIC
        ):
            return sub.id
        if isinstance(sub, ast.Attribute) and (sub.attr in LIBRARY or sub.attr in DYNAMIC):
            return sub.attr
        if isinstance(sub, ast.Import | ast.ImportFrom):
            modules = [a.name for a in sub.names] if isinstance(sub, ast.Import) else [sub.module]
            names = [a.name for a in sub.names]
            if any((m or "").split(".")[0] not in ("numpy", "math") for m in modules) or any(
                n in LIBRARY for n in names
            ):
                return "import"
    return None


def rule_problems(cells, question):
    """Why the notebook's source breaks a rule of ``question``, as sentences (empty if none)."""
    rules, name = question["rules"], question["function"]
    if not rules:
        return []
    functions, tainted = _definitions(cells)
    if name not in functions:
        return [
            f"{name} must be written with `def {name}(...)`: the grader could not find that "
            "definition in your notebook"
        ]
    # The function and the notebook's functions that it calls, and theirs.
    reached, todo = {}, [name]
    while todo:
        current = todo.pop()
        if current in reached or current not in functions:
            continue
        reached[current] = functions[current]
        for sub in ast.walk(functions[current]):
            if isinstance(sub, ast.Name) and sub.id in functions:
                todo.append(sub.id)
    own_loops = _has_loop(functions[name], nested=False)
    problems = []
    if "loops" in rules and not any(_has_loop(f) for f in reached.values()):
        problems.append(
            f"this question asks for loops: {name} (and the functions of yours it calls) has no "
            "for or while loop"
        )
    if "no-library" in rules:
        for fname, f in reached.items():
            mention = next((m for stmt in f.body if (m := _mentions(stmt, tainted))), None)
            if mention:
                where = name if fname == name else f"{fname}, which {name} calls,"
                problems.append(
                    f"this question asks you to write the loops yourself: {where} uses "
                    f"{mention!r} (convolution routines of convlib, NumPy and SciPy, imports "
                    "and dynamic lookups such as getattr are not allowed here)"
                )
                break
    if "no-own-loops" in rules and own_loops:
        problems.append(
            f"this question asks for {name} without loops of its own (np.pad, convlib.flip and "
            "a correlation): it has a for or while loop"
        )
    return problems


def _has_loop(function, nested=True):
    loops = ast.For | ast.AsyncFor | ast.While | ast.ListComp | ast.SetComp | ast.DictComp
    loops |= ast.GeneratorExp
    for stmt in function.body:
        for sub in ast.walk(stmt):
            if not nested and isinstance(sub, ast.FunctionDef | ast.Lambda):
                break
            if isinstance(sub, loops):
                return True
    return False


# ---------------------------------------------------------------- sandboxes


class Sandboxes:
    """How to start a sandbox here, and the users that sandboxes run as."""

    def __init__(self, jobs, memory_mb, cell_timeout, hide, scratch):
        if os.geteuid() != 0:
            raise SystemExit(
                "grade.py runs each submission as another, unprivileged user, which needs root: "
                "run it with sudo (Gradescope runs the autograder as root)"
            )
        for tool in ("setpriv",):
            if not shutil.which(tool):
                raise SystemExit(f"grade.py needs {tool} (Debian package util-linux)")
        become_reaper()
        self.locks, self.uids = [], []
        LOCKS.mkdir(mode=0o700, exist_ok=True)
        for uid in range(UID_BASE, UID_BASE + UID_COUNT):
            if len(self.uids) == max(1, jobs):
                break
            with contextlib.suppress(KeyError):
                pwd.getpwuid(uid)
                continue  # a user of this machine: not ours to use
            lock = open(LOCKS / str(uid), "w")  # noqa: SIM115 (held until close())
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # another grading uses it
                lock.close()
                continue
            self.locks.append(lock)
            self.uids.append(uid)
            kill_user(uid)  # whatever a grading that crashed left behind
        if len(self.uids) < max(1, jobs):
            raise SystemExit(f"no free user ids in {UID_BASE}..{UID_BASE + UID_COUNT - 1}")
        self.free = list(self.uids)
        self.lock = threading.Lock()
        self.memory_mb, self.cell_timeout = memory_mb, cell_timeout
        self.scratch = Path(tempfile.mkdtemp(prefix="grade-", dir=scratch))
        self.scratch.chmod(0o711)  # the sandboxes pass through to their own folders
        self.hide = [Path(p) for p in hide if Path(p).exists()]
        self.namespaces = self._probe()
        if not self.namespaces:
            for path in python_folders():
                for folder in closed_parents(path):
                    print(
                        f"grade.py: letting other users enter {folder} (chmod o+x), on the "
                        "way to Python",
                        file=sys.stderr,
                    )
                    folder.chmod(folder.stat().st_mode | 0o001)

    def close(self):
        shutil.rmtree(self.scratch, ignore_errors=True)
        for lock in self.locks:
            lock.close()

    def take_uid(self):
        with self.lock:
            return self.free.pop()

    def give_uid(self, uid):
        kill_user(uid)
        with self.lock:
            self.free.append(uid)

    def command(self, uid, workdir, argv):
        drop = [
            "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
            "--inh-caps=-all", "--bounding-set=-all", "--",
        ]  # fmt: skip
        if not self.namespaces:
            return [*drop, *argv]
        return [
            "unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--",
            "sh", "-c", self._mount_script(workdir), "sh", *drop, *argv,
        ]  # fmt: skip

    def _mount_script(self, workdir):
        """Hide the grader's folders (tmpfs over them) and /tmp, keeping Python and ``workdir``.

        A folder on the way to Python that other users cannot enter (e.g. /root, for a Python
        installed there) is replaced by an empty one they can, with Python bound back inside.
        """
        keep = [Path(workdir), *python_folders()]
        hide = {*self.hide, Path("/tmp"), Path("/dev/shm")}
        hide |= {p for path in keep for p in closed_parents(path)}
        hide = {
            p for p in hide if p.is_dir() and not any(p.is_relative_to(h) and p != h for h in hide)
        }
        q = shlex.quote
        lines = ["set -e", "mount -t tmpfs -o size=1m,mode=700 keep /mnt"]
        for i, path in enumerate(keep):
            lines += [f"mkdir /mnt/{i}", f"mount --bind {q(str(path))} /mnt/{i}"]
        for path in sorted(hide):
            mode = "1777" if path in (Path("/tmp"), Path("/dev/shm")) else "755"
            lines.append(f"mount -t tmpfs -o size=64m,mode={mode} hidden {q(str(path))}")
        for i, path in enumerate(keep):
            lines += [f"mkdir -p {q(str(path))}", f"mount --bind /mnt/{i} {q(str(path))}"]
        lines += ["umount -R /mnt", 'exec "$@"']
        return "\n".join(lines)

    def _probe(self):
        """Whether this machine lets root use PID, mount and network namespaces (not every
        container does): try a sandbox that runs ``true``."""
        if not shutil.which("unshare"):
            return False
        self.namespaces = True
        probe = self.scratch / "probe"
        probe.mkdir()
        result = subprocess.run(
            self.command(self.uids[0], probe, ["true"]), capture_output=True, timeout=60
        )
        probe.rmdir()
        return result.returncode == 0


def become_reaper():
    """Make this process the one that orphans of its descendants are given to (Linux's child
    subreaper), so that kill_user can reap a sandbox's zombies instead of leaving them to PID 1."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def python_folders():
    """The folders that Python (this environment and its base installation) lives in."""
    folders = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    folders.add(Path(os.path.realpath(sys.executable)).parent.parent)
    return sorted(folders)


def closed_parents(path):
    """The folders above ``path`` that other users may not enter (no o+x)."""
    return [p for p in Path(path).parents if not p.stat().st_mode & 0o001]


def user_processes(uid, zombies=False):
    """The ids of the live processes whose real user is ``uid``; zombies (which run nothing and
    wait for a parent to reap them, e.g. a container's PID 1) too if ``zombies``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                status = dict(
                    line.split(":", 1) for line in (entry / "status").read_text().splitlines()
                )
                dead = status["State"].split()[0] in "ZX"
                if int(status["Uid"].split()[0]) == uid and (zombies or not dead):
                    found.append(int(entry.name))
    return found


def kill_user(uid):
    """Kill every process of ``uid`` (kill(-1) as that user), until none is left."""
    for _ in range(50):
        if not user_processes(uid):
            # Reap what is left: orphans come to this process (a subreaper, see become_reaper).
            for _ in range(100):
                zombies = user_processes(uid, zombies=True)
                if not zombies:
                    break
                for pid in zombies:
                    with contextlib.suppress(ChildProcessError, OSError):
                        os.waitpid(pid, os.WNOHANG)
                time.sleep(0.05)
            return
        subprocess.run(
            ["kill", "-KILL", "-1"],
            user=uid, group=uid, extra_groups=[], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        time.sleep(0.05)
    raise RuntimeError(f"processes of user {uid} survive SIGKILL: {user_processes(uid)}")


class Session:
    """One sandbox: the notebook's cells run, then calls of one function on request."""

    def __init__(self, boxes, kit, cells, skip, log, deadline):
        self.boxes, self.deadline, self.log = boxes, deadline, log
        self.uid = boxes.take_uid()
        self.workdir = Path(tempfile.mkdtemp(prefix="q-", dir=boxes.scratch))
        self.proc = self.to_box = self.from_box = None
        self.traceback = ""
        try:
            self._start(kit, cells, skip)
        except BaseException:
            self.close()
            raise

    def _start(self, kit, cells, skip):
        shutil.copytree(kit / "convlib", self.workdir / "convlib")
        shutil.copy(HERE / "sandbox.py", self.workdir / "sandbox.py")
        (self.workdir / "cells.json").write_text(json.dumps({"cells": cells, "skip": sorted(skip)}))
        for path in [self.workdir, *self.workdir.rglob("*")]:
            os.chown(path, self.uid, self.uid, follow_symlinks=False)
        self.workdir.chmod(0o700)
        to_box, self.to_box = os.pipe()
        self.from_box, from_box_w = os.pipe()
        cpu = max(1, int(self.deadline - time.monotonic()) + 5)
        argv = [
            sys.executable, "-I", "-B", "-u", str(self.workdir / "sandbox.py"), str(to_box),
            str(from_box_w), str(self.boxes.cell_timeout), str(self.boxes.memory_mb), str(cpu),
        ]  # fmt: skip
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.workdir),
            "TMPDIR": str(self.workdir),
            "LANG": "C.UTF-8",
            "MPLCONFIGDIR": str(self.workdir),
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        self.proc = subprocess.Popen(
            self.boxes.command(self.uid, self.workdir, argv),
            pass_fds=(to_box, from_box_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            env=env,
            start_new_session=True,
        )
        os.close(to_box)
        os.close(from_box_w)
        # The output goes through a pipe that this process drains: however much the submission
        # prints, the log keeps the first LOG_LIMIT bytes and the sandbox never blocks on it.
        self.drain = threading.Thread(target=self._drain, args=(self.proc.stdout,), daemon=True)
        self.drain.start()

    def _drain(self, pipe):
        while chunk := pipe.read1(1 << 16):
            room = LOG_LIMIT - self.log.tell()
            if room > 0:
                self.log.write(chunk[:room])
                if len(chunk) > room:
                    self.log.write(b"\n[grade.py: output cut here, at its limit]\n")

    def run_cells(self):
        """None when the cells have run, else (index of the cell that hung or died, what)."""
        cell = None
        while True:
            limit = self.boxes.cell_timeout + GRACE
            deadline = min(time.monotonic() + limit, self.deadline)
            try:
                header, _ = sandbox.receive(self.from_box, deadline)
            except TimeoutError:
                return cell, f"did not finish within {self.boxes.cell_timeout:g} s"
            except (EOFError, sandbox.WireError):
                return cell, self.ending()
            if header.get("event") == "ready":
                return None
            if header.get("event") == "cell" and isinstance(header.get("index"), int):
                cell = header["index"]

    def defined(self, name, seconds):
        """The type of what ``name`` holds after the cells ran: 'function', 'NoneType', ..."""
        header, _ = self.call(name, [], (1,), seconds, op="defined")
        return str(header.get("type")) if header.get("callable") else None

    def call(self, name, arrays, prime, seconds, op="call"):
        """Call ``name`` on ``arrays``; the sandbox's (header, arrays), or Incident."""
        deadline = min(time.monotonic() + seconds, self.deadline)
        try:
            sandbox.send(self.to_box, {"op": op, "name": name, "prime": list(prime)}, arrays)
            return sandbox.receive(self.from_box, deadline)
        except TimeoutError:
            if time.monotonic() >= self.deadline:
                raise Incident("timed out: the question's time limit ran out") from None
            raise Incident(f"timed out after {seconds:g} s") from None
        except (EOFError, BrokenPipeError, sandbox.WireError) as err:
            what = self.ending()
            if isinstance(err, sandbox.WireError):
                what = f"crashed: its answer was garbled ({err})"
            raise Incident(what) from None

    def ending(self):
        """How the sandbox ended: 'exited (status N)' or 'crashed: ...'."""
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "crashed: stopped answering"
        if code < 0 or code > 128:
            number = -code if code < 0 else code - 128
            name = signal.Signals(number).name if number in signal.valid_signals() else number
            hint = {"SIGKILL": " (killed: memory or a limit)", "SIGXCPU": " (CPU time limit)"}
            return f"crashed: killed by {name}{hint.get(name, '')}"
        return f"exited (status {code})"

    def close(self):
        if self.uid is None:  # closed already
            return
        if self.proc is not None:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.kill()
            self.proc.wait()
            self.drain.join(timeout=10)  # EOF once every process that held the pipe is gone
            self.proc.stdout.close()
        for fd in (self.to_box, self.from_box):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.boxes.give_uid(self.uid)
        self.uid = None
        shutil.rmtree(self.workdir, ignore_errors=True)


# ---------------------------------------------------------------- grading one question


class _Returned:
    """Stands for a result that is not an array of numbers; prints as the student's did."""

    def __init__(self, typename, text):
        self._text = text
        self.__class__ = type(typename, (_Returned,), {})

    def __repr__(self):
        return self._text


class _Ragged(list):
    """Stands for rows of different lengths; prints as the student's did."""

    text = ""

    def __repr__(self):
        return self.text


def _exception(name, message):
    """An exception of the built-in class ``name`` if there is one, else a stand-in of that name."""
    import builtins

    cls = getattr(builtins, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls = type(name, (Exception,), {})
    try:
        return cls(message)
    except Exception:
        return type(name, (Exception,), {})(message)


class Proxy:
    """The student's function as the checkers see it: each call goes to the sandbox."""

    def __init__(self, session, name, answer, seconds):
        self.session, self.name, self.answer, self.seconds = session, name, answer, seconds
        self.crash = None  # a MemoryError or RecursionError raised by the student's code
        self.__name__ = name

    def __call__(self, *args):
        arrays = [np.asarray(a) for a in args]
        try:  # the result's shape, for the leftovers that np.empty may show (convlib.exercises)
            prime = self.answer(*arrays).shape
        except Exception:
            prime = (1,)
        header, back = self.session.call(self.name, arrays, prime, self.seconds)
        event = header.get("event")
        if event == "defined":
            raise NameError(f"{self.name} is not defined in your notebook")
        # The arguments as the student's function left them: the checker sees changes.
        for original, after in zip(args, back[: len(args)], strict=False):
            if isinstance(original, np.ndarray) and after.shape == original.shape:
                np.copyto(original, after, casting="unsafe")
        if event == "raised":
            name, message = str(header.get("type")), str(header.get("message", ""))
            self.session.traceback = str(header.get("traceback", ""))
            if name in ("MemoryError", "RecursionError"):
                self.crash = f"crashed: {name}"
            raise _exception(name, message)
        if event != "returned":
            raise Incident(f"crashed: an answer the grader cannot read ({event!r:.40})")
        kind = header.get("kind")
        if kind == "none":
            return None
        if kind == "array" and len(back) == len(args) + 1:
            return back[-1]
        text = str(header.get("repr", "?"))[:200]
        typename = str(header.get("type", "object"))
        if header.get("ragged"):  # np.asarray fails on it, as on the student's rows
            return type(typename, (_Ragged,), {"text": text})([[0.0], [0.0, 0.0]])
        return _Returned(typename, text)


class _PerThreadStdout(io.TextIOBase):
    """sys.stdout, except in a thread that has set its own buffer (the checkers print)."""

    def __init__(self, real):
        self.real, self.local = real, threading.local()

    def write(self, text):
        target = getattr(self.local, "buffer", None) or self.real
        return target.write(text)

    def flush(self):
        self.real.flush()


def grade_question(question, cells, skip, boxes, kit, log, options):
    """(score, status, feedback lines) for one question."""
    points, name = float(question["points"]), question["function"]
    problems = rule_problems(cells, question)
    if problems:
        return 0.0, "ok", [f"0 points: {p}." for p in problems]
    deadline = time.monotonic() + options.timeout
    feedback, status = [], "ok"
    for _attempt in range(4):  # a cell that hangs or kills its process is skipped next time
        session = Session(boxes, kit, cells, skip, log, deadline)
        ended = session.run_cells()
        if ended is None:
            break
        session.close()
        cell, what = ended
        if cell is None or time.monotonic() >= deadline:
            return 0.0, f"{question['name']} {what}", [f"Your notebook's cells {what}."]
        skip.add(cell)
        feedback.append(f"Cell {cell + 1} of your notebook {what}: the grader skipped it.")
    else:
        return 0.0, f"{question['name']} could not run the notebook", feedback
    proxy = Proxy(session, name, getattr(convlib, question["answer"]), options.call_timeout)
    score = 0.0
    try:
        if session.defined(name, options.call_timeout) is None:
            feedback.append(
                f"{name} is not defined when your notebook has run: no `def {name}(...)` ran "
                "(is the name spelt as in the question? did a cell raise before it? see the log)"
            )
            return 0.0, status, feedback
        checker = getattr(exercises, question["checker"])
        out = io.StringIO()
        sys.stdout.local.buffer = out
        try:
            checker(proxy, time_limit=None)
            feedback.append(f"Public test: {out.getvalue().strip()}")
            score += points * PUBLIC_SHARE
        except (AssertionError, NameError, TypeError) as err:
            text = str(err)
            if session.traceback and "raised" in text:
                text = text.replace("The traceback above points", "The traceback below points")
                text += "\n" + session.traceback.rstrip()
            feedback.append(f"Public test: {text}")
        except Exception as err:  # a result too odd for the checker's diagnoses: still wrong
            feedback.append(f"Public test: your result is wrong ({type(err).__name__}: {err})")
        finally:
            sys.stdout.local.buffer = None
        hidden = hidden_tests(question, proxy)
        feedback.append(f"Hidden tests: {hidden[1]}")
        if hidden[0]:
            score += points * (1 - PUBLIC_SHARE)
        if proxy.crash:
            raise Incident(proxy.crash)
    except Incident as incident:
        score, status = 0.0, f"{question['name']} {incident}"
        feedback.append(f"Your {name} {incident}: 0 points for this question.")
    finally:
        session.close()
    return score, status, feedback


def hidden_tests(question, proxy):
    """(passed, what to tell the student): the hidden cases, compared here with convlib."""
    rng = np.random.default_rng(question["seed"])
    answer = getattr(convlib, question["answer"])
    cases = question["hidden"]
    for number, shapes in enumerate(cases, 1):
        args = [rng.standard_normal(tuple(shape)) for shape in shapes]
        expected = answer(*args)
        names = question["args"]
        where = ", ".join(f"{n} of shape {tuple(s)}" for n, s in zip(names, shapes, strict=True))
        try:
            got = proxy(*[a.copy() for a in args])
            if got is None or isinstance(got, _Returned | list):
                raise AssertionError("your function did not return an array of numbers")
            exercises.assert_agrees(got, expected, what=f"your {question['function']}'s result")
        except (AssertionError, NameError) as err:
            return False, f"failed on case {number} of {len(cases)} ({where}): {err}"
        except Exception as err:
            return False, f"failed on case {number} of {len(cases)} ({where}): raised {err!r:.200}"
    return True, f"passed on {len(cases)} cases"


# ---------------------------------------------------------------- grading submissions


def grade_submission(path, out_dir, questions, boxes, kit, options):
    """Grade one submission; return its summary row."""
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir.chmod(0o750)
    start = time.monotonic()
    row = {"submission": str(path), "status": "ok"}
    tests, incidents, report = [], [], []
    try:
        cells = code_cells(read_notebook(path))
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        cells, row["status"] = None, f"unreadable: {err}"
        unreadable = str(err)
    skip = set()
    for question in questions:
        qname, points = question["name"], float(question["points"])
        if cells is None:
            score, lines = 0.0, [f"Not graded: could not read the submission ({unreadable})."]
        else:
            with open(out_dir / f"{qname}.log", "wb") as log:
                score, status, lines = grade_question(
                    question, cells, skip, boxes, kit, log, options
                )
            if status != "ok":
                incidents.append(status)
        row[qname] = score
        text = "\n".join(lines)
        tests.append(
            {
                "name": qname,
                "score": score,
                "max_score": points,
                "output": text,
                "visibility": "visible",
            }
        )
        report.append(f"{qname}: {score:g}/{points:g}\n{text}\n")
    if incidents and row["status"] == "ok":
        row["status"] = "; ".join(incidents)
    row["total"] = sum(row[q["name"]] for q in questions)
    seconds = time.monotonic() - start
    results = {
        "score": row["total"],
        "output": f"Status: {row['status']}",
        "tests": tests,
        "execution_time": round(seconds, 1),
        "extra_data": {"status": row["status"]},  # Gradescope's place for anything else
    }
    write_private(out_dir / "results.json", json.dumps(results, indent=2))
    header = f"{path}: {row['status']}, {row['total']:g}/{sum(t['max_score'] for t in tests):g}"
    write_private(out_dir / "report.txt", header + "\n\n" + "\n".join(report))
    return row, seconds


def write_private(path, text):
    """Write ``text`` to ``path`` (a new file, readable by its owner and group only)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def unique_names(submissions):
    """A results folder name per submission: the file name's stem, numbered when repeated."""
    names, seen = [], {}
    for submission in submissions:
        stem = Path(submission).stem
        seen[stem] = seen.get(stem, 0) + 1
        names.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return names


def load_questions(folder):
    """The QUESTIONS list of ``folder/questions.py``, read without importing anything else."""
    namespace = {}
    source = (folder / "questions.py").read_text()
    exec(compile(source, str(folder / "questions.py"), "exec"), namespace)
    return namespace["QUESTIONS"]


def private_folder(prefix):
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o700)
    return folder


def grade_all(submissions, out, assignment, options, hide):
    """Grade ``submissions`` with the assignment in folder ``assignment``; the summary rows."""
    questions = load_questions(assignment)
    if not isinstance(sys.stdout, _PerThreadStdout):
        sys.stdout = _PerThreadStdout(sys.stdout)
    out.mkdir(parents=True, exist_ok=True)
    boxes = Sandboxes(options.jobs, options.memory, options.cell_timeout, hide, options.scratch)
    if not boxes.namespaces:
        print(
            "grade.py: no PID/mount namespaces here (unshare failed): sandboxes run as their own "
            "users with limits, but see the grader's files that other users may read",
            file=sys.stderr,
        )
    names = unique_names(submissions)
    total = sum(float(q["points"]) for q in questions)

    def one(item):
        path, name = item
        row, seconds = grade_submission(path, out / name, questions, boxes, assignment, options)
        scores = ", ".join(f"{q['name']} {row[q['name']]:g}/{q['points']:g}" for q in questions)
        print(
            f"{path}: {row['status']} {row['total']:g}/{total:g} ({scores}) in {seconds:.1f} s",
            file=sys.stdout.real,
            flush=True,
        )
        return row

    try:
        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            rows = list(pool.map(one, zip(submissions, names, strict=True)))
    finally:
        boxes.close()
    fields = ["submission", "status", "total", *(q["name"] for q in questions)]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_private(out / "summary.csv", text.getvalue())
    return rows


def repository_folders():
    """The grader's own folders that a sandbox must not see: this repository (and its git
    folder, which may live elsewhere for a worktree), when grade.py runs from one."""
    repo = HERE.parent
    folders = [repo] if (repo / ".git").exists() else []
    git = repo / ".git"
    if git.is_file():  # a worktree: "gitdir: /path/main/.git/worktrees/NAME"
        target = Path(git.read_text().partition("gitdir:")[2].strip())
        if target.parent.name == "worktrees":
            folders.append(target.parent.parent)
    return folders


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("submissions", nargs="*", type=Path, help=".ipynb or .zip submissions")
    parser.add_argument("--autograder", type=Path, default=DEFAULT_AUTOGRADER)
    parser.add_argument("--out", type=Path, default=HERE.parent / "_build" / "graded")
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds for one question (default 120)"
    )
    parser.add_argument(
        "--call-timeout", type=float, default=10, help="seconds for one call (default 10)"
    )
    parser.add_argument(
        "--cell-timeout", type=float, default=60, help="seconds for one cell (default 60)"
    )
    parser.add_argument("--memory", type=int, default=2048, help="MiB per sandbox (default 2048)")
    parser.add_argument("--scratch", default=None, help="folder for the sandboxes' folders")
    parser.add_argument("--gradescope", type=Path, help="grade ROOT/submission (run_autograder)")
    args = parser.parse_args(argv)

    if args.gradescope:
        return gradescope(args)
    if not args.submissions:
        parser.error("no submissions given")
    if not args.autograder.is_file():
        parser.error(f"no autograder zip at {args.autograder}: run `make assignments` first")
    missing = [str(s) for s in args.submissions if not s.is_file()]
    if missing:
        parser.error(f"no such submission: {', '.join(missing)}")
    assignment = private_folder("autograder-")
    try:
        with zipfile.ZipFile(args.autograder) as zf:
            zf.extractall(assignment)
        hide = [*repository_folders(), args.out.resolve(), assignment]
        grade_all(args.submissions, args.out, assignment, args, hide)
    finally:
        shutil.rmtree(assignment, ignore_errors=True)
    return 0


def gradescope(args):
    """Gradescope's autograder: ROOT/source (this zip), ROOT/submission, ROOT/results."""
    root = args.gradescope.resolve()
    source, results = root / "source", root / "results"
    for folder in (source, results):
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, 0, 0)
    source.chmod(0o700)  # the hidden tests and the grader: root's only
    results.chmod(0o755)
    submissions = sorted(
        p for p in (root / "submission").rglob("*") if p.suffix in (".ipynb", ".zip")
    )
    submissions = [p for p in submissions if ".ipynb_checkpoints" not in p.parts][:1]
    out = private_folder("graded-")
    try:
        if not submissions:
            data = {"score": 0, "output": "No notebook (.ipynb) found in the submission."}
        else:
            grade_all(submissions, out, source, args, [source, out, root / "submission"])
            data = json.loads((out / unique_names(submissions)[0] / "results.json").read_text())
        write_private(results / "results.json", json.dumps(data, indent=2))
        (results / "results.json").chmod(0o644)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
