"""Build the autograded assignments with Otter Assign (otter-grader 7).

    python assignments/build.py                  # every assignment, into _build/assignments/
    python assignments/build.py conv_backprop --out /tmp/dist --no-run-tests

For each assignment folder (one holding ``master.ipynb``) this copies the folder and the
repository's ``convlib/`` package into a staging folder, runs ``otter assign`` there and writes

    OUT/NAME/student/master.ipynb (+ convlib/, time_limit.py)   what students get
    OUT/NAME/autograder/NAME-autograder.zip                      for otter run and Gradescope

Staging is needed because otter 7 copies a ``files:`` entry outside the master's folder but then
fails to zip it ("... is not in the working directory"); the master lists ``convlib`` and finds
it beside itself. By default otter assign also grades the solutions with the autograder and fails
unless they score full marks; ``--no-run-tests`` skips that.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# Compiled files and editor leftovers stay out of the student folder and the autograder zip.
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".DS_Store")


def assignments():
    """The names of the assignment folders: those that hold a master notebook."""
    return sorted(p.parent.name for p in HERE.glob("*/master.ipynb"))


def build(name, out, run_tests=True):
    """Run otter assign on assignment ``name``; return the path of its autograder zip."""
    source = HERE / name
    if not (source / "master.ipynb").is_file():
        raise SystemExit(f"no assignment {name!r}: {source / 'master.ipynb'} does not exist")
    result = Path(out).resolve() / name
    with tempfile.TemporaryDirectory(prefix=f"otter-assign-{name}-") as tmp:
        staging = Path(tmp) / name
        shutil.copytree(source, staging, ignore=IGNORE)
        shutil.copytree(REPO / "convlib", staging / "convlib", ignore=IGNORE)
        if result.exists():
            shutil.rmtree(result)
        result.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "otter", "assign", "master.ipynb", str(result)]
        if not run_tests:
            command.append("--no-run-tests")
        subprocess.run(command, cwd=staging, check=True)
    # otter names the zip after the master notebook and the time of the build; give it a stable
    # name so that scripts and the instructions need not guess it.
    zips = sorted((result / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise SystemExit(f"expected one autograder zip in {result / 'autograder'}, found {zips}")
    stable = result / "autograder" / f"{name}-autograder.zip"
    zips[0].rename(stable)
    return stable


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
