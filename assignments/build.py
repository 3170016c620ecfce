"""Build the autograded assignments: the student notebook with Otter Assign, the grader's zip.

    python assignments/build.py                  # every assignment, into _build/assignments/
    python assignments/build.py conv_backprop --out /tmp/dist --no-run-tests

For each assignment folder (one holding ``master.ipynb`` and ``questions.py``) this copies the
master and the student kit's convlib (:func:`copy_kit`: the repository's ``convlib/``, its
sub-packages included, without ``reference.py``, whose loops are the answers) into a staging
folder, runs ``otter assign`` there and writes

    OUT/NAME/student/master.ipynb (+ convlib/)     what students get: no solutions, no hidden tests
    OUT/NAME/autograder/NAME-autograder.zip        for grade.py and Gradescope

The zip keeps otter's ``setup.sh`` and ``environment.yml`` (Gradescope builds its image with
them) and holds the grader instead of otter's tests: ``run_autograder``, ``grade.py`` with its
package ``grader/``, ``sandbox.py``, ``questions.py`` (the hidden tests) and the kit's
``convlib/``. Staging is needed because otter 7 cannot zip a ``files:`` entry outside the
master's folder. By default the build then grades the solutions with ``grade.py`` (as root: it
runs them in sandboxes) and fails unless they score full marks; ``--no-run-tests`` skips that.
"""

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# Compiled files and editor leftovers stay out of the student folder and the autograder zip.
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".DS_Store")
# Left out of the student kit: the loops that answer the questions.
KIT_IGNORE = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".ipynb_checkpoints", ".DS_Store", "reference.py"
)
# From otter's zip: what Gradescope needs to build the image. Its tests and run script are not
# used: grading is grade.py's.
OTTER_KEEPS = ("setup.sh", "environment.yml", "otter_config.json", "requirements.txt")
RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this as root in the image that setup.sh built: grade the submission in
# /autograder/submission with grade.py, which runs the student's code in sandboxes as other
# users and writes /autograder/results/results.json. AUTOGRADER_ROOT and AUTOGRADER_PYTHON let
# a test run it elsewhere.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
python="${AUTOGRADER_PYTHON:-/root/miniforge3/envs/otter-env/bin/python}"
exec "$python" "$root/source/grade.py" --gradescope "$root"
"""


def copy_kit(folder):
    """Copy the student kit's convlib into ``folder`` (which must exist); return its path.

    The whole package but the answers: the maths, the checkers the notebook calls, the figures
    and the web side, without ``convlib/reference.py`` (``convlib.reference`` is not in
    ``convlib.__all__``, so ``from convlib import *`` works without it).
    """
    kit = Path(folder) / "convlib"
    shutil.copytree(REPO / "convlib", kit, ignore=KIT_IGNORE)
    return kit


def assignments():
    """The names of the assignment folders: those that hold a master notebook."""
    return sorted(p.parent.name for p in HERE.glob("*/master.ipynb"))


def build(name, out, run_tests=True):
    """Run otter assign on assignment ``name``; return the path of its autograder zip."""
    source = HERE / name
    if not (source / "master.ipynb").is_file():
        raise SystemExit(f"no assignment {name!r}: {source / 'master.ipynb'} does not exist")
    result = Path(out).resolve() / name
    if not (source / "questions.py").is_file():
        raise SystemExit(f"assignment {name!r} has no questions.py (its grading) in {source}")
    with tempfile.TemporaryDirectory(prefix=f"otter-assign-{name}-") as tmp:
        staging = Path(tmp) / name
        staging.mkdir()
        for file in ("master.ipynb", "requirements.txt"):
            shutil.copy(source / file, staging / file)
        copy_kit(staging)
        if result.exists():
            shutil.rmtree(result)
        result.parent.mkdir(parents=True, exist_ok=True)
        # otter's own test run would grade in the student's kernel; grade.py does it below.
        command = [sys.executable, "-m", "otter", "assign", "master.ipynb", str(result)]
        subprocess.run([*command, "--no-run-tests"], cwd=staging, check=True)
        # otter names the zip after the master notebook and the time of the build.
        zips = sorted((result / "autograder").glob("*.zip"))
        if len(zips) != 1:
            raise SystemExit(f"expected one zip in {result / 'autograder'}, found {zips}")
        stable = result / "autograder" / f"{name}-autograder.zip"
        grader_zip(zips[0], stable, source, staging / "convlib")
        zips[0].unlink()
    if run_tests:
        grade_solutions(name, result, stable, source)
    return stable


def grader_zip(otter_zip, path, source, kit):
    """The autograder zip: otter's image set-up, and the grader with the hidden tests."""
    with zipfile.ZipFile(otter_zip) as zf:
        kept = {n: zf.read(n) for n in zf.namelist() if n in OTTER_KEEPS}
    files = {
        "grade.py": (HERE / "grade.py").read_bytes(),
        **{
            f"grader/{module.name}": module.read_bytes()
            for module in sorted((HERE / "grader").glob("*.py"))
        },
        "sandbox.py": (HERE / "sandbox.py").read_bytes(),
        "questions.py": (source / "questions.py").read_bytes(),
    }
    for file in sorted(kit.rglob("*.py")):
        files[f"convlib/{file.relative_to(kit).as_posix()}"] = file.read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in kept.items():
            zf.writestr(name, data)
        run = zipfile.ZipInfo("run_autograder")
        run.external_attr = 0o755 << 16
        zf.writestr(run, RUN_AUTOGRADER)
        for name, data in files.items():
            zf.writestr(name, data)


def grade_solutions(name, result, zip_path, source):
    """Grade the master's solutions with grade.py; fail unless they get full marks."""
    if os.geteuid() != 0:
        print(
            f"{name}: the solutions were NOT graded: grade.py runs code in sandboxes as other "
            "users, which needs root (sudo make assignments checks them)",
            file=sys.stderr,
        )
        return
    out = result / "solutions-graded"
    command = [sys.executable, str(HERE / "grade.py"), str(result / "autograder" / "master.ipynb")]
    subprocess.run([*command, "--autograder", str(zip_path), "--out", str(out)], check=True)
    with open(out / "summary.csv") as f:
        (row,) = csv.DictReader(f)
    namespace = {}
    exec((source / "questions.py").read_text(), namespace)
    full = sum(float(q["points"]) for q in namespace["QUESTIONS"])
    if row["status"] != "ok" or float(row["total"]) != full:
        raise SystemExit(f"{name}: the solutions do not get full marks: {row}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="assignment folders to build (default: all)")
    parser.add_argument("--out", default=str(REPO / "_build" / "assignments"), help="output folder")
    parser.add_argument(
        "--no-run-tests",
        action="store_true",
        help="do not grade the solutions while building (otter assign --no-run-tests)",
    )
    args = parser.parse_args(argv)
    for name in args.names or assignments():
        zip_path = build(name, args.out, run_tests=not args.no_run_tests)
        print(f"{name}: student notebook in {zip_path.parent.parent / 'student'}")
        print(f"{name}: autograder zip {zip_path}")


if __name__ == "__main__":
    main()
