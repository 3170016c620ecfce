"""One sandbox at work: the notebook's cells run, then calls of one function on request."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import sandbox

HERE = Path(__file__).resolve().parent.parent
# This Python, by a path without '..' (the sandbox's root has only Python's own folders).
PYTHON = os.path.abspath(sys.executable)
GRACE = 3.0  # seconds past a cell's own limit before its process is killed
LOG_LIMIT = 1 << 20  # bytes of a question's output kept in its log; the rest is read and dropped


class Incident(BaseException):
    """The sandbox stopped answering: timed out, exited or crashed. Not an ``Exception``, so that
    the checkers, which report the student's exceptions, let it through."""


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
        # The cells to run, each the very source whose tree the rules read (grader.notebook).
        runs = [
            {"number": cell.number, "source": cell.source}
            for cell in cells
            if cell.tree is not None and cell.number not in skip
        ]
        (self.workdir / "cells.json").write_text(json.dumps({"cells": runs}))
        for path in [self.workdir, *self.workdir.rglob("*")]:
            os.chown(path, self.uid, self.uid, follow_symlinks=False)
        self.workdir.chmod(0o700)
        to_box, self.to_box = os.pipe()
        self.from_box, from_box_w = os.pipe()
        cpu = max(1, int(self.deadline - time.monotonic()) + 5)
        argv = [
            PYTHON, "-I", "-B", "-u", str(self.workdir / "sandbox.py"), str(to_box),
            str(from_box_w), str(self.boxes.cell_timeout), str(self.boxes.memory_mb), str(cpu),
        ]  # fmt: skip
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.workdir),
            "TMPDIR": str(self.workdir),
            "LANG": "C.UTF-8",
            "MPLCONFIGDIR": str(self.workdir),
            "MPLBACKEND": "Agg",  # figures are drawn into no window
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
        kept = 0
        while chunk := pipe.read1(1 << 16):
            room = LOG_LIMIT - kept
            if room <= 0:
                continue  # read and dropped, so that the sandbox never blocks on its output
            kept += len(chunk)
            try:
                self.log.write(chunk[:room])
                if len(chunk) > room:
                    self.log.write(b"\n[grade.py: output cut here, at its limit]\n")
            except (OSError, ValueError):  # the log cannot be written (a full disk): drop it
                kept = LOG_LIMIT

    def run_cells(self):
        """None when the cells have run, else (number of the cell that hung or died, what)."""
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
            if header.get("event") == "cell" and type(header.get("number")) is int:
                cell = header["number"]

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
