"""Grade submissions with otter run (otter-grader 7), each under a wall-clock time limit.

    python assignments/grade.py SUBMISSION.ipynb [...] [--autograder ZIP] [--out DIR]
                                [--timeout 300] [--cell-timeout 60] [--jobs 1]

Each submission (a notebook, or the zip that the notebook's export cell makes) is graded by
``otter run`` in a subprocess of its own, in the environment this script runs in (otter run
installs nothing: numpy and otter must be there; convlib comes from the autograder zip). Three
limits keep one question's infinite loop from costing the others their scores:

1. The tests call the student's function under ``time_limit`` (``time_limit.py``, shipped in the
   autograder zip): a function that loops forever fails its own tests after 10 s and grading goes
   on. This one also holds on Gradescope.
2. ``--cell-timeout`` (seconds, 0 for none): a cell of the submission that runs longer is
   interrupted, like the stop button of Jupyter, and execution goes on with the next cell (a cell
   that raises does not stop otter either: it grades with errors allowed). Otter 7 has no option
   for this, neither in ``otter run`` nor in the assignment config, so the subprocess turns on
   nbclient's own per-cell timeout (``timeout_func`` and ``interrupt_on_timeout`` of the
   ``ExecutePreprocessor`` that otter creates) before it calls otter run. Otter's last cell, which
   runs the tests not run yet and saves the results, is exempt.
3. ``--timeout`` (seconds): the whole grading of one submission. Past it the subprocess and
   everything it started (the kernel runs in a session of its own) are killed, and the submission
   gets 0 on every question, with status ``timeout``.

Output, in ``--out`` (default ``_build/graded/``):

    OUT/NAME/results.json   otter's results (Gradescope format), per question and the test output
    OUT/NAME/otter.log      what otter run printed
    OUT/summary.csv         one line per submission: status, total, then each question's score

and one line per submission on stdout, e.g. ``alice.ipynb: ok 8/10 (q1 2/2, q2 0/2, ...)``.
Status is ``ok``, ``timeout`` (killed at ``--timeout``) or ``error`` (otter failed; see the log).
The exit code is 0 when every submission was graded (whatever its score), 1 otherwise.
"""

import argparse
import ast
import csv
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_AUTOGRADER = (
    HERE.parent / "_build/assignments/conv_backprop/autograder/conv_backprop-autograder.zip"
)
# The cell that otter appends to every graded notebook: it runs the tests that the notebook did
# not run itself and pickles the results. Interrupting it would lose every score.
OTTER_EXPORT_CELL_MARK = "GradingResults(Checker.get_results())"


# ---------------------------------------------------------------- in the subprocess


def run_one(submission, autograder, out_dir, cell_timeout):
    """Grade one submission with otter run, each cell limited to ``cell_timeout`` seconds."""
    import nbconvert.preprocessors
    from otter.run import main as otter_run

    base = nbconvert.preprocessors.ExecutePreprocessor

    def timeout_for(cell):
        if OTTER_EXPORT_CELL_MARK in cell.get("source", ""):
            return None
        return cell_timeout

    class CellTimeoutExecutePreprocessor(base):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.timeout_func = timeout_for
            self.interrupt_on_timeout = True

    if cell_timeout:
        # otter.execute.grade_notebook imports ExecutePreprocessor from this module when it runs.
        nbconvert.preprocessors.ExecutePreprocessor = CellTimeoutExecutePreprocessor
        # nbclient reports a timeout ("Timeout waiting for execute reply", "Interrupting kernel")
        # on the traitlets logger: let it reach the log.
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("[grade.py] cell: %(message)s"))
        logging.getLogger("traitlets").addHandler(handler)
    otter_run(str(submission), autograder=str(autograder), output_dir=str(out_dir), no_logo=True)


# ---------------------------------------------------------------- in the parent


def questions_in(autograder):
    """{question: points} from the test files in the autograder zip, in order."""
    points = {}
    with zipfile.ZipFile(autograder) as zf:
        for name in sorted(zf.namelist()):
            if name.startswith("tests/") and name.endswith(".py"):
                # Otter's test files set `name = "q1"` and `points = 2` on lines of their own.
                found = {}
                for line in zf.read(name).decode().splitlines():
                    key, sep, value = line.partition(" = ")
                    if sep and key in ("name", "points"):
                        found[key] = ast.literal_eval(value)
                points[found.get("name", Path(name).stem)] = found.get("points") or 0
    return points


def process_tree(pid):
    """``pid`` and all its descendants (Linux /proc; elsewhere just ``pid``)."""
    children = {}
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def kill_tree(proc):
    """Kill ``proc``, its process group and every descendant with its group (the kernel's too)."""
    pids = process_tree(proc.pid)
    groups = set()
    for pid in pids:
        try:
            groups.add(os.getpgid(pid))
        except OSError:
            pass
    for group in groups:
        if group != os.getpgrp():
            try:
                os.killpg(group, signal.SIGKILL)
            except OSError:
                pass
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    proc.wait()


def grade(submission, autograder, out_dir, timeout, cell_timeout):
    """Grade one submission in a subprocess; return its summary row (a dict)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / "results.json"
    results_path.unlink(missing_ok=True)
    row = {"submission": str(submission), "status": "error", "seconds": 0.0}
    with (
        tempfile.TemporaryDirectory(prefix="otter-grade-") as scratch,
        open(out_dir / "otter.log", "w") as log,
    ):
        # otter run unpacks into a temporary folder and the kernel writes a connection file:
        # both go to scratch, which is removed even when the subprocess is killed.
        env = dict(os.environ, TMPDIR=scratch, JUPYTER_RUNTIME_DIR=scratch)
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--run-one",
            str(Path(submission).resolve()),
            "--autograder",
            str(Path(autograder).resolve()),
            "--out",
            str(out_dir.resolve()),
            "--cell-timeout",
            str(cell_timeout),
        ]
        start = time.monotonic()
        proc = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            row["status"] = "timeout"
            log.write(f"\n[grade.py] killed after the time limit of {timeout:g} s\n")
        except BaseException:
            kill_tree(proc)
            raise
        else:
            if returncode == 0 and results_path.is_file():
                row["status"] = "ok"
            else:
                log.write(f"\n[grade.py] otter run exited with status {returncode}\n")
        row["seconds"] = round(time.monotonic() - start, 1)
    if row["status"] == "ok":
        results = json.loads(results_path.read_text())
        for test in results["tests"]:
            if "max_score" in test:
                row[test["name"]] = test.get("score") or 0.0
    else:
        # No results: write a results.json that says why, with every question at 0.
        tests = [
            {
                "name": question,
                "score": 0.0,
                "max_score": points,
                "visibility": "visible",
                "output": f"not graded: {row['status']}"
                + (f" (time limit of {timeout:g} s)" if row["status"] == "timeout" else ""),
            }
            for question, points in questions_in(autograder).items()
        ]
        results_path.write_text(json.dumps({"tests": tests, "status": row["status"]}, indent=2))
    return row


def unique_names(submissions):
    """A results folder name per submission: the file name's stem, numbered when repeated."""
    names, seen = [], {}
    for submission in submissions:
        stem = Path(submission).stem
        seen[stem] = seen.get(stem, 0) + 1
        names.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return names


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("submissions", nargs="*", type=Path, help=".ipynb or .zip submissions")
    parser.add_argument("--autograder", type=Path, default=DEFAULT_AUTOGRADER)
    parser.add_argument(
        "--out", type=Path, default=HERE.parent / "_build" / "graded", help="results folder"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300,
        help="wall-clock limit for grading one submission, in seconds (default 300)",
    )
    parser.add_argument(
        "--cell-timeout",
        type=float,
        default=60,
        help="limit for one cell of a submission, in seconds; 0 for none (default 60)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    parser.add_argument("--run-one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.run_one:
        run_one(args.run_one, args.autograder, args.out, args.cell_timeout or None)
        return 0
    if not args.submissions:
        parser.error("no submissions given")
    if not args.autograder.is_file():
        parser.error(f"no autograder zip at {args.autograder}: run assignments/build.py first")
    missing = [str(s) for s in args.submissions if not s.is_file()]
    if missing:
        parser.error(f"no such submission: {', '.join(missing)}")

    questions = questions_in(args.autograder)
    args.out.mkdir(parents=True, exist_ok=True)
    names = unique_names(args.submissions)

    def grade_and_report(item):
        submission, name = item
        row = grade(submission, args.autograder, args.out / name, args.timeout, args.cell_timeout)
        total = sum(row.get(q, 0.0) for q in questions)
        row["total"] = total
        per_question = ", ".join(f"{q} {row.get(q, 0.0):g}/{p:g}" for q, p in questions.items())
        print(
            f"{submission}: {row['status']} {total:g}/{sum(questions.values()):g} "
            f"({per_question}) in {row['seconds']:g} s",
            flush=True,
        )
        return row

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = list(pool.map(grade_and_report, zip(args.submissions, names, strict=True)))

    with open(args.out / "summary.csv", "w", newline="") as f:
        fields = ["submission", "status", "total", *questions, "seconds"]
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore", restval=0.0)
        writer.writeheader()
        writer.writerows(rows)
    return 0 if all(row["status"] == "ok" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
