"""How long the autograder takes for a class: seconds per honest submission, one and two at once.

    sudo .venv/bin/python benchmarks/bench_grading.py [--copies 20] [--class-size 500] [--write]

Builds the assignment (``assignments/build.py --no-run-tests``) into a temporary folder, then
grades ``--copies`` copies of the solutions notebook with ``grade.py --jobs 1`` and again with
``--jobs 2``, side by side in one run, and prints seconds per submission and the time a class of
``--class-size`` would take at that rate. With ``--class-size`` given and ``--full``, the whole
class is also graded once with ``--jobs 2`` (about ten minutes). ``--write`` puts the table into
benchmarks/RESULTS.md under "Grading a class". Needs root, as grading does.
"""

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADING = "## Grading a class"


def grade(zip_path, submissions, out, jobs):
    """Seconds for grade.py to grade ``submissions`` with ``--jobs jobs``."""
    command = [sys.executable, str(REPO / "assignments" / "grade.py"), *map(str, submissions)]
    command += ["--autograder", str(zip_path), "--out", str(out), "--jobs", str(jobs)]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0 or result.stdout.count(": ok 10/10") != len(submissions):
        raise SystemExit(f"grading failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=20, help="submissions per measurement")
    parser.add_argument("--class-size", type=int, default=500)
    parser.add_argument("--full", action="store_true", help="also grade the whole class once")
    parser.add_argument("--write", action="store_true", help="write into benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("grading needs root: run with sudo")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        build = [sys.executable, str(REPO / "assignments" / "build.py"), "--out", str(tmp)]
        subprocess.run([*build, "--no-run-tests"], check=True, capture_output=True)
        root = tmp / "conv_backprop"
        zip_path = root / "autograder" / "conv_backprop-autograder.zip"
        solutions = root / "autograder" / "master.ipynb"
        folder = tmp / "class"
        folder.mkdir()
        count = max(args.copies, args.class_size if args.full else 0)
        copies = []
        for number in range(count):
            copy = folder / f"student{number:04d}.ipynb"
            shutil.copy(solutions, copy)
            copies.append(copy)
        rows = []
        for jobs in (1, 2):
            seconds = grade(zip_path, copies[: args.copies], tmp / f"out-{jobs}", jobs)
            per = seconds / args.copies
            rows.append((jobs, args.copies, seconds, per, per * args.class_size / 60))
        full = None
        if args.full:
            full = grade(zip_path, copies[: args.class_size], tmp / "out-class", 2)
    load = os.getloadavg()[0]
    lines = [
        f"`benchmarks/bench_grading.py` on {os.cpu_count()} CPUs ({platform.machine()}), "
        f"load average {load:.1f} at the end; every submission is the solutions notebook "
        "(honest, full marks), graded in four sandboxes (one per question) each.",
        "",
        f"| `--jobs` | submissions | seconds | seconds per submission | a class of "
        f"{args.class_size}, minutes |",
        "|---:|---:|---:|---:|---:|",
        *(f"| {j} | {n} | {s:.1f} | {p:.2f} | {c:.1f} |" for j, n, s, p, c in rows),
    ]
    if full is not None:
        lines += [
            "",
            f"A whole class of {args.class_size} graded with `--jobs 2`: "
            f"{full / 60:.1f} minutes ({full / args.class_size:.2f} s per submission).",
        ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        results = REPO / "benchmarks" / "RESULTS.md"
        old = results.read_text()
        section = f"{HEADING}\n\n{text}\n"
        if HEADING in old:
            new = re.sub(rf"{HEADING}\n.*?(?=\n## |\Z)", section.rstrip("\n"), old, flags=re.S)
        else:
            new = old.rstrip("\n") + "\n\n" + section
        results.write_text(new if new.endswith("\n") else new + "\n")


if __name__ == "__main__":
    main()
