"""The autograded assignment (assignments/): build it with otter assign, grade submissions.

The assignment is built once into a temporary folder with ``assignments/build.py``; submissions
are the generated student notebook with answer cells replaced (nbformat), graded by
``assignments/grade.py`` (otter run in a subprocess per submission, with its time limits). The
slow part is otter: a kernel per submission and two deliberate infinite loops, about 1.5 minutes
in all.
"""

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow  # left out of `make unit`

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "assignments" / "build.py"
GRADE = REPO / "assignments" / "grade.py"
POINTS = {"q1": 2.0, "q2": 2.0, "q3": 4.0, "q4": 2.0}

# Answers written the way a student would, one per question, and the mistakes to grade.
CONV2D = """
def conv2d(x, w):
    H, W = x.shape
    k1, k2 = w.shape
    y = np.zeros((H - k1 + 1, W - k2 + 1))
    for r in range(y.shape[0]):
        for c in range(y.shape[1]):
            y[r, c] = np.sum(x[r : r + k1, c : c + k2] * w)
    return y
"""
GRAD_W = """
def grad_w(x, dy):
    return conv2d(x, dy)
"""
GRAD_X = """
def grad_x(dy, w):
    N1, N2 = dy.shape
    k1, k2 = w.shape
    dx = np.zeros((N1 + k1 - 1, N2 + k2 - 1))
    for r in range(N1):
        for c in range(N2):
            dx[r : r + k1, c : c + k2] += dy[r, c] * w
    return dx
"""
GRAD_X_FLIP = """
def grad_x_flip(dy, w):
    k1, k2 = w.shape
    return conv2d(np.pad(dy, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1))), convlib.flip(w))
"""
GRAD_X_FLIP_NO_FLIP = """
def grad_x_flip(dy, w):
    k1, k2 = w.shape
    return conv2d(np.pad(dy, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1))), w)
"""
# The cell raises before it gets to the definition (a name from another notebook), so grad_w
# is never defined.
GRAD_W_RAISES = """
dy_example = conv2d(x_example, w_example)


def grad_w(x, dy):
    return conv2d(x, dy)
"""
# Defined, but loops forever when called: the tests' own time limit stops it.
GRAD_X_LOOPS_WHEN_CALLED = """
def grad_x(dy, w):
    N1, N2 = dy.shape
    k1, k2 = w.shape
    dx = np.zeros((N1 + k1 - 1, N2 + k2 - 1))
    r = 0
    while r < N1:
        for c in range(N2):
            dx[r : r + k1, c : c + k2] += dy[r, c] * w
    return dx
"""
# The cell never ends: only a per-cell limit (or the whole-submission one) stops it.
GRAD_X_CELL_LOOPS = """
def grad_x(dy, w):
    return np.zeros((dy.shape[0] + w.shape[0] - 1, dy.shape[1] + w.shape[1] - 1))

steps = 0
while steps >= 0:
    steps += 1
"""
CORRECT = {"q1": CONV2D, "q2": GRAD_W, "q3": GRAD_X, "q4": GRAD_X_FLIP}
FUNCTIONS = {"q1": "conv2d", "q2": "grad_w", "q3": "grad_x", "q4": "grad_x_flip"}


def run(*command, timeout=240, env=None):
    result = subprocess.run(
        [sys.executable, *map(str, command)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("assignments")
    result = run(BUILD, "--out", out, "--no-run-tests")
    assert result.returncode == 0, result.stdout + result.stderr
    root = out / "conv_backprop"
    return {
        "student": root / "student" / "master.ipynb",
        "solutions": root / "autograder" / "master.ipynb",
        "zip": root / "autograder" / "conv_backprop-autograder.zip",
    }


def submission(built, folder, name, **answers):
    """The student notebook with the answer cell of each question in ``answers`` replaced."""
    nb = nbformat.read(built["student"], as_version=4)
    for question, source in answers.items():
        header = f"def {FUNCTIONS[question]}("
        cells = [
            cell
            for cell in nb.cells
            if "otter_answer_cell" in cell.metadata.get("tags", []) and header in cell.source
        ]
        assert len(cells) == 1, f"no single answer cell for {question}"
        cells[0].source = source.strip()
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def grade(built, out, submissions, *options, timeout=240, env=None):
    """Run grade.py; return the summary rows by submission name and the completed process."""
    result = run(
        GRADE, *submissions, "--autograder", built["zip"], "--out", out, *options,
        timeout=timeout, env=env,
    )  # fmt: skip
    with open(out / "summary.csv") as f:
        rows = {Path(row["submission"]).stem: row for row in csv.DictReader(f)}
    return rows, result


def scores(row):
    return {q: float(row[q]) for q in POINTS}


def feedback(out, name, question):
    """All the text otter gives for ``question``: its own entry and the public tests' summary."""
    results = json.loads((out / name / "results.json").read_text())
    return "\n".join(
        test.get("output", "")
        for test in results["tests"]
        if test["name"] in (question, "Public Tests")
    )


@pytest.fixture(scope="module")
def graded(built, tmp_path_factory):
    """The ordinary submissions, graded together with the default limits, two at a time."""
    folder = tmp_path_factory.mktemp("submissions")
    subs = [
        built["solutions"],
        submission(built, folder, "blank"),
        submission(built, folder, "no_flip", **{**CORRECT, "q4": GRAD_X_FLIP_NO_FLIP}),
        submission(built, folder, "raises_in_q2", **{**CORRECT, "q2": GRAD_W_RAISES}),
        submission(built, folder, "loops_in_q3", **{**CORRECT, "q3": GRAD_X_LOOPS_WHEN_CALLED}),
    ]
    out = tmp_path_factory.mktemp("graded")
    rows, result = grade(built, out, subs, "--jobs", "2")
    return out, rows, result


def test_build_writes_student_notebook_and_autograder_zip(built):
    student = nbformat.read(built["student"], as_version=4)
    source = "\n".join(cell.source for cell in student.cells)
    assert "# BEGIN SOLUTION" not in source and "# HIDDEN" not in source
    assert "for a in range(k1)" not in source  # the loops of the solution are stripped
    assert (built["student"].parent / "convlib" / "exercises.py").is_file()
    assert (built["student"].parent / "time_limit.py").is_file()
    with zipfile.ZipFile(built["zip"]) as zf:
        names = set(zf.namelist())
        environment = zf.read("environment.yml").decode()
    assert {f"tests/{q}.py" for q in POINTS} <= names
    assert {"files/convlib/__init__.py", "files/convlib/exercises.py"} <= names
    assert "files/time_limit.py" in names
    assert not any("__pycache__" in name for name in names)
    assert "numpy==" in environment and "otter-grader" in environment


def test_solutions_score_full_marks(graded):
    out, rows, result = graded
    row = rows["master"]
    assert row["status"] == "ok", result.stdout + result.stderr
    assert scores(row) == POINTS
    assert float(row["total"]) == 10.0


def test_blank_notebook_scores_zero_without_crashing(graded):
    out, rows, _ = graded
    row = rows["blank"]
    assert row["status"] == "ok"
    assert scores(row) == dict.fromkeys(POINTS, 0.0)


def test_missing_flip_scores_partially_and_is_named(graded):
    out, rows, _ = graded
    row = rows["no_flip"]
    assert row["status"] == "ok"
    assert scores(row) == {**POINTS, "q4": 0.0}
    assert "flip" in feedback(out, "no_flip", "q4").lower()


def test_a_cell_that_raises_costs_only_its_question(graded):
    out, rows, _ = graded
    row = rows["raises_in_q2"]
    assert row["status"] == "ok"
    assert scores(row) == {**POINTS, "q2": 0.0}


def test_a_function_that_loops_forever_fails_only_its_question(graded):
    out, rows, _ = graded
    row = rows["loops_in_q3"]
    assert row["status"] == "ok"
    assert scores(row) == {**POINTS, "q3": 0.0}
    assert "did not finish within 10 s" in feedback(out, "loops_in_q3", "q3")
    # Two tests of q3 at 10 s each, and the rest of the notebook: well under the default limit.
    assert float(row["seconds"]) < 120


def test_a_cell_that_loops_forever_is_interrupted_and_the_rest_graded(built, tmp_path):
    sub = submission(built, tmp_path, "cell_loops_in_q3", **{**CORRECT, "q3": GRAD_X_CELL_LOOPS})
    rows, result = grade(built, tmp_path / "out", [sub], "--cell-timeout", "5")
    row = rows["cell_loops_in_q3"]
    assert row["status"] == "ok", result.stdout + result.stderr
    # grad_x was defined before the loop, but returns zeros: q3 fails, the others pass.
    assert scores(row) == {**POINTS, "q3": 0.0}
    assert result.returncode == 0


def test_whole_submission_time_limit_kills_and_reports_timeout(built, tmp_path):
    sub = submission(built, tmp_path, "cell_loops_in_q3", **{**CORRECT, "q3": GRAD_X_CELL_LOOPS})
    # grade.py's scratch folders, and with them the kernel's connection file, go under tmp_path,
    # so that the kernel can be found by its command line.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    out = tmp_path / "out"
    rows, result = grade(
        built, out, [sub], "--cell-timeout", "0", "--timeout", "15", timeout=60, env=env
    )
    row = rows["cell_loops_in_q3"]
    assert row["status"] == "timeout"
    assert scores(row) == dict.fromkeys(POINTS, 0.0)
    assert 15 <= float(row["seconds"]) < 30
    assert result.returncode == 1
    assert "cell_loops_in_q3.ipynb: timeout 0/10" in result.stdout
    results = json.loads((out / "cell_loops_in_q3" / "results.json").read_text())
    assert results["status"] == "timeout"
    assert all("time limit of 15 s" in test["output"] for test in results["tests"])
    # Nothing is left running: neither otter nor the kernel (which has a session of its own).
    leftovers = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if str(scratch) in cmdline or str(sub) in cmdline:
            leftovers.append(cmdline.replace("\0", " "))
    assert not leftovers
