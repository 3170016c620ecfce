"""The autograded assignment (assignments/): build it, then grade honest and hostile submissions.

The assignment is built once into a temporary folder with ``assignments/build.py``; submissions
are the generated student notebook with answer cells replaced and cells added (nbformat), graded
by ``assignments/grade.py`` (each question's function in a sandbox of its own, as another user).
Each hostile submission attacks in one way the issue of trusting a grade names: patching modules,
writing the grader's files, leaving processes behind, exiting, looping while catching every
exception, exhausting memory, reading the hidden tests, calling the library it must not call. Each
must get exactly the score its honest part deserves. The suite needs root (CI runs as root).
"""

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from grading_notebooks import run, submission
from needs import root_or_skip

import convlib

pytestmark = pytest.mark.slow  # left out of `make unit`

REPO = Path(__file__).resolve().parents[2]
GRADE = REPO / "assignments" / "grade.py"
POINTS = {"q1": 2.0, "q2": 2.0, "q3": 4.0, "q4": 2.0}
ZERO = dict.fromkeys(POINTS, 0.0)
# The users that grade.py runs sandboxes as (see UID_BASE there).
SANDBOX_UIDS = range(61000, 62000)
# Small limits keep the deliberate hangs short; a cell gets 8 s, for a loaded machine.
LIMITS = ("--call-timeout", "3", "--cell-timeout", "8", "--timeout", "90")

root_or_skip("the autograding tests")

# Answers written the way a student would, one per question.
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
GRAD_W_LOOPS = """
def grad_w(x, dy):
    (H, W), (N1, N2) = x.shape, dy.shape
    dw = np.zeros((H - N1 + 1, W - N2 + 1))
    for a in range(dw.shape[0]):
        for b in range(dw.shape[1]):
            dw[a, b] = np.sum(x[a : a + N1, b : b + N2] * dy)
    return dw
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
CORRECT = {"q1": CONV2D, "q2": GRAD_W, "q3": GRAD_X, "q4": GRAD_X_FLIP}
# Every function returns zeros of the right shape: worth nothing.
ZEROS = {
    "q1": "def conv2d(x, w):\n    return np.zeros((x.shape[0] - w.shape[0] + 1, "
    "x.shape[1] - w.shape[1] + 1))",
    "q2": "def grad_w(x, dy):\n    return np.zeros((x.shape[0] - dy.shape[0] + 1, "
    "x.shape[1] - dy.shape[1] + 1))",
    "q3": "def grad_x(dy, w):\n    for _ in range(1):\n        pass\n    return np.zeros(("
    "dy.shape[0] + w.shape[0] - 1, dy.shape[1] + w.shape[1] - 1))",
    "q4": "def grad_x_flip(dy, w):\n    return np.zeros((dy.shape[0] + w.shape[0] - 1, "
    "dy.shape[1] + w.shape[1] - 1))",
}

GRAD_X_FLIP_NO_FLIP = """
def grad_x_flip(dy, w):
    k1, k2 = w.shape
    return conv2d(np.pad(dy, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1))), w)
"""
# The cell raises before it gets to the definition, so grad_w is never defined.
GRAD_W_RAISES = """
dy_example = conv2d(x_example, w_example)


def grad_w(x, dy):
    return conv2d(x, dy)
"""
# An honest infinite loop (r never grows).
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
# The cell never ends by itself: the per-cell limit interrupts it, and the next cells run.
GRAD_X_CELL_LOOPS = """
def grad_x(dy, w):
    for _ in range(1):
        pass
    return np.zeros((dy.shape[0] + w.shape[0] - 1, dy.shape[1] + w.shape[1] - 1))

steps = 0
while steps >= 0:
    steps += 1
"""

# ---------------------------------------------------------------- the attacks

# Computes nothing, then patches everything the tests of a kernel-side grader would use.
PATCHES_MODULES = """
import builtins, sys
import numpy, numpy.testing
import convlib, convlib.checkers.exercises, convlib.fast
for name in ("check_conv2d", "check_grad_w", "check_grad_x", "assert_agrees"):
    setattr(convlib.checkers.exercises, name, lambda *a, **k: None)
convlib.checkers.exercises.agrees = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.allclose = lambda *a, **k: True
for name in ("conv2d", "conv2d_grad_w", "conv2d_grad_x"):
    zero = lambda *args, **kwargs: numpy.zeros((1, 1))
    setattr(convlib, name, zero)
    setattr(convlib.fast, name, zero)
builtins.AssertionError = type("AssertionError", (Exception,), {})
"""

# Computes nothing, then writes every grader file it knows of or finds (in the tests' folders).
WRITES_FILES = """
import os, json
targets = {targets}
for top in {roots}:
    for folder, dirs, files in os.walk(top):
        for name in files:
            if name.endswith((".csv", ".json", ".py", ".zip", ".ipynb", ".txt")):
                targets.append(os.path.join(folder, name))
scores = json.dumps({{"tests": [{{"name": "q1", "score": 2, "max_score": 2}}]}})
for path in targets:
    try:
        with open(path, "w") as f:
            f.write(scores)
    except OSError:
        pass
"""

# Correct, and leaves a detached process behind that rewrites the results after grading.
DETACHED = """
import os, time, subprocess, sys
code = '''
import os, time
time.sleep(4)
for path in {targets}:
    try:
        with open(path, "w") as f:
            f.write("submission,status,total\\\\nhacked,ok,10\\\\n")
    except OSError:
        pass
time.sleep(600)
'''
subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(600)
    os._exit(0)
"""

# Prints 40 MB: the log keeps the first MiB, the grading goes on.
FLOODS_OUTPUT = """
import sys
for _ in range(40):
    print("x" * 10**6)
    print("y" * 10**6, file=sys.stderr)
"""

GRAD_W_SYS_EXIT = """
def grad_w(x, dy):
    import sys
    sys.exit(0)
"""
GRAD_X_FLIP_OS_EXIT = """
def grad_x_flip(dy, w):
    import os
    os._exit(3)
"""
# Loops forever and swallows whatever is raised to stop it.
GRAD_X_CATCHES_EVERYTHING = """
def grad_x(dy, w):
    while True:
        try:
            for _ in range(10**6):
                pass
        except BaseException:
            pass
"""
# A cell that does the same at the top level: the grader must kill it and skip the cell.
CELL_CATCHES_EVERYTHING = """
import time
while True:
    try:
        time.sleep(0.1)
    except BaseException:
        pass
"""
# 4 GiB: more than the sandbox's 2 GiB, though this machine could give it.
GRAD_X_EXHAUSTS_MEMORY = """
def grad_x(dy, w):
    for _ in range(1):
        hoard = np.ones(1 << 29)
    return hoard
"""
# Correct only if it cannot read the hidden tests or the solutions: reading them costs q1.
READS_HIDDEN = """
secrets = {paths}
leaked = []
for path in secrets:
    try:
        with open(path, "rb") as f:
            leaked.append(f.read(100))
    except OSError:
        pass
print("leaked", len(leaked))
""" + CONV2D.replace("    return y", "    return y * (1 + len(leaked))")

CONV2D_FLOAT32 = """
def conv2d(x, w):
    x, w = x.astype(np.float32), w.astype(np.float32)
    H, W = x.shape
    k1, k2 = w.shape
    y = np.zeros((H - k1 + 1, W - k2 + 1), dtype=np.float32)
    for r in range(y.shape[0]):
        for c in range(y.shape[1]):
            y[r, c] = np.sum(x[r : r + k1, c : c + k2] * w)
    return y
"""
GRAD_X_FLOAT32_IN_FLOAT64 = """
def grad_x(dy, w):
    dy, w = dy.astype(np.float32), w.astype(np.float32)
    N1, N2 = dy.shape
    k1, k2 = w.shape
    dx = np.zeros((N1 + k1 - 1, N2 + k2 - 1))
    for r in range(N1):
        for c in range(N2):
            dx[r : r + k1, c : c + k2] += dy[r, c] * w
    return dx
"""
GRAD_X_FLOAT16 = GRAD_X.replace(
    "dx = np.zeros((N1 + k1 - 1, N2 + k2 - 1))",
    "dx = np.zeros((N1 + k1 - 1, N2 + k2 - 1), dtype=np.float16)",
)

# Loops that do nothing, then the library's answer.
GRAD_X_CALLS_CONVLIB = """
def grad_x(dy, w):
    for _ in range(1):
        pass
    return convlib.conv2d_grad_x(dy, w)
"""
# The library's answer under another name (no other question calls grad_x).
GRAD_X_ALIAS = """
from convlib import conv2d_grad_x as gx


def grad_x(dy, w):
    for _ in range(1):
        pass
    return gx(dy, w)
"""


# ---------------------------------------------------------------- a class's untidy notebooks

# Honest, as Jupyter runs them: magics, a shell line, a cell timed with %%time, a star import
# in a later cell.
MAGICS = "%matplotlib inline\n%load_ext autoreload\n!ls -l\nfiles = !ls\n%time total = 1 + 1\n"
CONV2D_TIMED = "%%time\n" + CONV2D.strip() + "\n"
STAR_IMPORT_LATER = "from numpy import *\nx_demo = zeros((2, 2))\n"

# Off by one in conv2d: q2 (grad_w calls conv2d) and q4 fail through it.
CONV2D_OFF_BY_ONE = CONV2D.replace("x[r : r + k1, c : c + k2]", "x[r + 1 : r + k1 + 1, c : c + k2]")

# Wire messages that are valid JSON but nested too deeply, or whose shape's product overflows,
# written by the student's function straight onto the sandbox's pipe to the grader.
WIRE = """
def grad_w(x, dy):
    import os, struct, sys, time
    for _ in range(1):
        pass
    payload = {payload}
    os.write(int(sys.argv[2]), struct.pack(">I", len(payload)) + payload)
    time.sleep(60)
"""
WIRE_DEEP = WIRE.format(payload="b'[' * 100000 + b']' * 100000")
WIRE_OVERFLOW = WIRE.format(
    payload='b\'{"event": "returned", "kind": "array", "arrays": '
    '[{"dtype": "<f8", "shape": [0, 4294967296, 4294967296, 4294967296]}]}\''
)
# Beyond what Python's parser can take, or than the grader reads.
LONG_CHAIN = "chain = np" + ".T" * 50_000 + "\n"
LONG_SUM = "total = " + "(" * 400 + "1" + ")" * 400 + "\n"

# Rules that hold for what runs: the def has loops, something else is called.
REBOUND_IF = CONV2D + "\nif True:\n    conv2d = lambda x, w: convlib.conv2d(x, w)\n"
REBOUND_WALRUS = CONV2D + "\n(conv2d := convlib.conv2d)\n"
REBOUND_GLOBALS = CONV2D + "\nglobals()['conv2d'] = convlib.conv2d\n"
Q4_CALLS_Q3 = "def grad_x_flip(dy, w):\n    return grad_x(dy, w)\n"
WINDOWS_EINSUM = """
def conv2d(x, w):
    for _ in range(1):
        pass
    windows = np.lib.stride_tricks.sliding_window_view(x, w.shape)
    return np.einsum("rcab,ab->rc", windows, w)
"""


def untidy_class(built, folder):
    """What a class's first week brings besides the attacks: untidy honest notebooks, names
    that are not folder names, notebooks the grader cannot read, and rules dodged at run time."""
    nested = folder / "nested.ipynb"
    nested.write_text("[" * 50_000 + "]" * 50_000)
    big = nbformat.read(submission(built, folder, "large_output", **CORRECT), as_version=4)
    big.cells[2].outputs = [nbformat.v4.new_output("stream", text="0123456789" * 2_500_000)]
    nbformat.write(big, folder / "large_output.ipynb")
    odd = nbformat.read(submission(built, folder, "source_not_text", **CORRECT), as_version=4)
    odd.cells.insert(3, nbformat.v4.new_code_cell("x = 1"))
    nbformat.write(odd, folder / "source_not_text.ipynb")
    text = json.loads((folder / "source_not_text.ipynb").read_text())
    text["cells"][3]["source"] = {"not": "text"}
    (folder / "source_not_text.ipynb").write_text(json.dumps(text))
    twins = [folder / "a" / "twin.ipynb", folder / "b" / "twin.ipynb"]
    for twin in twins:
        twin.parent.mkdir()
    submission(built, twins[0].parent, "twin", **CORRECT)
    submission(built, twins[1].parent, "twin", **{**CORRECT, "q4": GRAD_X_FLIP_NO_FLIP})
    dots = folder / "dots"
    dots.mkdir()
    shutil.copy(submission(built, dots, "tmp", **CORRECT), dots / "...ipynb")
    return [
        nested,
        submission(built, folder, "summary.csv", **CORRECT),
        dots / "...ipynb",
        *twins,
        submission(built, folder, "magics", MAGICS, **{**CORRECT, "q1": CONV2D_TIMED}),
        submission(built, folder, "star_import", STAR_IMPORT_LATER, **CORRECT),
        folder / "large_output.ipynb",
        folder / "source_not_text.ipynb",
        submission(built, folder, "long_lines", LONG_CHAIN, LONG_SUM, **CORRECT),
        submission(built, folder, "wire_deep", **{**CORRECT, "q2": WIRE_DEEP}),
        submission(built, folder, "wire_overflow", **{**CORRECT, "q2": WIRE_OVERFLOW}),
        submission(built, folder, "off_by_one", **{**CORRECT, "q1": CONV2D_OFF_BY_ONE}),
        submission(built, folder, "rebound_if", **{**CORRECT, "q1": REBOUND_IF}),
        submission(built, folder, "rebound_walrus", **{**CORRECT, "q1": REBOUND_WALRUS}),
        submission(built, folder, "rebound_globals", **{**CORRECT, "q1": REBOUND_GLOBALS}),
        submission(built, folder, "q4_calls_q3", **{**CORRECT, "q4": Q4_CALLS_Q3}),
        submission(built, folder, "windows_einsum", **{**CORRECT, "q1": WINDOWS_EINSUM}),
    ]


def grade(built, out, submissions, *options, timeout=900):
    """Run grade.py; return the summary rows by submission name and the completed process."""
    result = run(GRADE, *submissions, "--autograder", built["zip"], "--out", out, *options,
                 timeout=timeout)  # fmt: skip
    assert (out / "summary.csv").is_file(), result.stdout + result.stderr
    return rows_of(out / "summary.csv"), result


def rows_of(path):
    """The summary's rows by report folder (the submission's name, made safe and unique)."""
    with open(path) as f:
        return {row["folder"]: row for row in csv.DictReader(f)}


def scores(row):
    return {q: float(row[q]) for q in POINTS}


def report(out, name):
    return (out / name / "report.txt").read_text()


def sandbox_processes():
    """Processes of the sandboxes' users still there, zombies included."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            uid = next(
                int(line.split()[1])
                for line in (entry / "status").read_text().splitlines()
                if line.startswith("Uid:")
            )
            if uid in SANDBOX_UIDS:
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, StopIteration):
            continue
    return found


def digest(folder):
    """{path: sha256} of every file under ``folder``."""
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def graded(built, tmp_path_factory):
    """The ordinary and the hostile submissions, graded together, two at a time."""
    folder = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("graded")
    results = [out / name / f for name in ("master", "detached") for f in ("results.json",)]
    zip_copy = tmp_path_factory.mktemp("zip") / "conv_backprop-autograder.zip"
    shutil.copy(built["zip"], zip_copy)
    targets = [str(out / "summary.csv"), *map(str, results), str(zip_copy), str(built["zip"])]
    secrets = [
        REPO / "assignments" / "conv_backprop" / "questions.py",
        REPO / "assignments" / "conv_backprop" / "master.ipynb",
        REPO / "convlib" / "reference.py",
        built["zip"],
        built["solutions"],
    ]
    roots = [str(tmp_path_factory.getbasetemp()), "/autograder"]
    garbage = folder / "garbage.ipynb"
    garbage.write_text('{"cells": [')
    exported = folder / "exported.zip"  # as the notebook's export cell makes it
    with zipfile.ZipFile(exported, "w") as zf:
        zf.write(submission(built, folder, "inside", **CORRECT), "inside.ipynb")
    subs = [
        built["solutions"],
        garbage,
        exported,
        submission(built, folder, "blank"),
        submission(built, folder, "no_flip", **{**CORRECT, "q4": GRAD_X_FLIP_NO_FLIP}),
        submission(built, folder, "raises_in_q2", **{**CORRECT, "q2": GRAD_W_RAISES}),
        submission(built, folder, "loops_in_q3", **{**CORRECT, "q3": GRAD_X_LOOPS_WHEN_CALLED}),
        submission(built, folder, "cell_loops", **{**CORRECT, "q3": GRAD_X_CELL_LOOPS}),
        submission(built, folder, "patches_modules", PATCHES_MODULES, **ZEROS),
        submission(
            built,
            folder,
            "writes_files",
            WRITES_FILES.format(targets=targets, roots=roots),
            **ZEROS,
        ),
        submission(built, folder, "detached", DETACHED.format(targets=targets), **CORRECT),
        submission(
            built, folder, "exits", **{**CORRECT, "q2": GRAD_W_SYS_EXIT, "q4": GRAD_X_FLIP_OS_EXIT}
        ),
        submission(
            built,
            folder,
            "catches_everything",
            CELL_CATCHES_EVERYTHING,
            **{**CORRECT, "q3": GRAD_X_CATCHES_EVERYTHING},
        ),  # fmt: skip
        submission(built, folder, "memory", **{**CORRECT, "q3": GRAD_X_EXHAUSTS_MEMORY}),
        submission(built, folder, "floods_output", FLOODS_OUTPUT, **CORRECT),
        submission(
            built,
            folder,
            "reads_hidden",
            **{**CORRECT, "q1": READS_HIDDEN.format(paths=[str(p) for p in secrets])},
        ),  # fmt: skip
        submission(
            built,
            folder,
            "float32",
            **{**CORRECT, "q1": CONV2D_FLOAT32, "q3": GRAD_X_FLOAT32_IN_FLOAT64},
        ),  # fmt: skip
        submission(built, folder, "float16", **{**CORRECT, "q3": GRAD_X_FLOAT16}),
        submission(built, folder, "calls_convlib", **{**CORRECT, "q3": GRAD_X_CALLS_CONVLIB}),
        submission(built, folder, "alias", **{**CORRECT, "q3": GRAD_X_ALIAS}),
        *untidy_class(built, folder),
        built["solutions"],  # a bystander after them all, graded under another folder name
    ]
    before = {"zip": digest(zip_copy.parent), "built": digest(built["zip"].parent)}
    around = out.parent
    outside = {p: p.stat().st_mode for p in around.iterdir() if p != out}
    outside[around] = around.stat().st_mode
    rows, result = grade(built, out, subs, "--jobs", "2", *LIMITS)
    after = {p: p.stat().st_mode for p in around.iterdir() if p != out}
    after[around] = around.stat().st_mode
    summary = (out / "summary.csv").read_bytes()
    leftovers = sandbox_processes()
    return {
        "out": out,
        "rows": rows,
        "result": result,
        "summary": summary,
        "leftovers": leftovers,
        "before": before,
        "zip_copy": zip_copy,
        "built": built,
        "outside": (outside, after),
    }


def check(graded, name, expected, status="ok"):
    row = graded["rows"][name]
    assert row["status"] == status, report(graded["out"], name)
    assert scores(row) == expected, report(graded["out"], name)
    assert float(row["total"]) == sum(expected.values())


# ---------------------------------------------------------------- the build


def test_build_writes_student_notebook_and_autograder_zip(built):
    student = nbformat.read(built["student"], as_version=4)
    source = "\n".join(cell.source for cell in student.cells)
    assert "# BEGIN SOLUTION" not in source and "# HIDDEN" not in source
    assert "for a in range(k1)" not in source  # the loops of the solution are stripped
    kit = built["student"].parent
    assert (kit / "convlib" / "checkers" / "exercises.py").is_file()
    assert sorted(p.name for p in kit.iterdir()) == ["convlib", "master.ipynb"]
    with zipfile.ZipFile(built["zip"]) as zf:
        names = set(zf.namelist())
        environment = zf.read("environment.yml").decode()
        run_autograder = zf.getinfo("run_autograder")
    assert {"run_autograder", "setup.sh", "grade.py", "sandbox.py", "questions.py"} <= names
    assert {"convlib/__init__.py", "convlib/checkers/exercises.py", "convlib/fast.py"} <= names
    assert run_autograder.external_attr >> 16 & 0o111  # executable
    # otter's tests, which would run in the student's kernel, are not used.
    assert not any(n.startswith(("tests/", "files/")) or n == "run_otter.py" for n in names)
    assert not any("__pycache__" in name for name in names)
    assert "numpy==" in environment and "otter-grader" in environment


def test_student_kit_leaks_no_answers_and_no_hidden_tests(built):
    kit = built["student"].parent
    assert not (kit / "convlib" / "reference.py").exists()
    text = "\n".join(p.read_text() for p in kit.rglob("*") if p.is_file())
    seeds = [str(q) for q in (2101, 2102, 2103, 2104)]  # the hidden tests' seeds
    assert not any(seed in text for seed in seeds)
    assert "questions.py" not in text and "other_sizes" not in text
    # The kit's convlib works without reference.py, and says what is missing when asked for it.
    check = (
        # As on a student's machine: the kit's folder, not this repository's editable install.
        "import sys\nsys.path.insert(0, '.')\n"
        "sys.meta_path = [f for f in sys.meta_path if 'Editable' not in str(f)]\n"
        "import convlib\nfrom convlib.checkers import check_conv2d\nprint(convlib.__file__)\n"
        "check_conv2d(lambda x, w: convlib.conv2d(x, w))\n"
        "try:\n    convlib.reference\nexcept ModuleNotFoundError as err:\n    print(err)\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", check], cwd=kit, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(str(kit / "convlib" / "__init__.py"))
    assert "correct on 6 cases" in result.stdout and "convlib.reference" in result.stdout


# ---------------------------------------------------------------- honest submissions


def test_solutions_score_full_marks(graded):
    check(graded, "master", POINTS)


def test_blank_notebook_scores_zero_without_crashing(graded):
    check(graded, "blank", ZERO)


def test_missing_flip_scores_partially_and_is_named(graded):
    check(graded, "no_flip", {**POINTS, "q4": 0.0})
    assert "missing flip" in report(graded["out"], "no_flip")


def test_a_cell_that_raises_costs_only_its_question(graded):
    check(graded, "raises_in_q2", {**POINTS, "q2": 0.0})
    assert "grad_w is not defined" in report(graded["out"], "raises_in_q2")


def test_an_infinite_loop_costs_only_its_question_and_is_reported(graded):
    check(graded, "loops_in_q3", {**POINTS, "q3": 0.0}, status="q3 timed out after 3 s")
    assert "Your grad_x timed out after 3 s" in report(graded["out"], "loops_in_q3")


def test_a_cell_that_loops_forever_is_interrupted_and_the_rest_graded(graded):
    # grad_x was defined before the loop, but returns zeros: q3 fails, the others pass.
    check(graded, "cell_loops", {**POINTS, "q3": 0.0})


def test_an_unreadable_submission_scores_zero_and_says_why(graded):
    row = graded["rows"]["garbage"]
    assert row["status"].startswith("unreadable: ") and scores(row) == ZERO
    assert "could not read the submission" in report(graded["out"], "garbage")


def test_the_zip_that_the_export_cell_makes_is_graded(graded):
    check(graded, "exported", POINTS)


def test_report_and_results_say_the_same(graded):
    results = json.loads((graded["out"] / "no_flip" / "results.json").read_text())
    assert [t["name"] for t in results["tests"]] == list(POINTS)
    assert {t["name"]: t["score"] for t in results["tests"]} == {**POINTS, "q4": 0.0}
    assert {t["name"]: t["max_score"] for t in results["tests"]} == POINTS
    assert results["score"] == 8.0
    with open(graded["out"] / "summary.csv") as f:
        assert next(csv.reader(f)) == ["submission", "folder", "status", "total", *POINTS, "flags"]


# ---------------------------------------------------------------- hostile submissions


def test_patching_modules_in_its_own_process_gains_nothing(graded):
    check(graded, "patches_modules", ZERO)


def test_writing_the_graders_files_gains_nothing_and_changes_nothing(graded):
    check(graded, "writes_files", ZERO)
    assert digest(graded["zip_copy"].parent) == graded["before"]["zip"]
    assert digest(graded["built"]["zip"].parent) == graded["before"]["built"]
    results = json.loads((graded["out"] / "master" / "results.json").read_text())
    assert results["score"] == 10.0


def test_no_process_survives_and_the_results_do_not_change_after_grading(graded):
    check(graded, "detached", POINTS)
    assert graded["leftovers"] == []
    time.sleep(6)  # the detached process would have written after 4 s
    assert (graded["out"] / "summary.csv").read_bytes() == graded["summary"]
    assert json.loads((graded["out"] / "detached" / "results.json").read_text())["score"] == 10
    assert sandbox_processes() == []


def test_exiting_costs_only_the_question_that_exits(graded):
    check(
        graded,
        "exits",
        {**POINTS, "q2": 0.0, "q4": 0.0},
        status="q2 exited (status 0); q4 exited (status 3)",
    )
    assert "Your grad_w exited (status 0)" in report(graded["out"], "exits")


def test_catching_every_exception_forever_costs_only_its_question(graded):
    # The cell that never ends is killed and skipped; grad_x, which never returns, times out.
    check(graded, "catches_everything", {**POINTS, "q3": 0.0}, status="q3 timed out after 3 s")
    text = report(graded["out"], "catches_everything")
    assert "did not finish within 8 s: the grader skipped it" in text


def test_exhausting_memory_costs_only_its_question(graded):
    check(graded, "memory", {**POINTS, "q3": 0.0}, status="q3 crashed: MemoryError")
    text = report(graded["out"], "memory")
    assert "raised MemoryError" in text and "The traceback below points at the line" in text
    assert 'File "<cell ' in text and "sandbox.py" not in text  # the student's lines only


def test_printing_without_end_changes_nothing_and_is_cut_in_the_log(graded):
    check(graded, "floods_output", POINTS)
    for question in POINTS:
        log = graded["out"] / "floods_output" / f"{question}.log"
        assert 1 << 20 <= log.stat().st_size < (1 << 20) + 200
        assert log.read_text().endswith("output cut here, at its limit]\n")


def test_the_hidden_tests_and_solutions_cannot_be_read(graded):
    check(graded, "reads_hidden", POINTS)
    assert "leaked 0" in (graded["out"] / "reads_hidden" / "q1.log").read_text()


def test_hidden_test_code_and_expected_values_stay_out_of_the_feedback(graded):
    # no_flip fails q4's hidden tests on their first case: none of its values may show.
    rng = np.random.default_rng(2104)
    dy, w = rng.standard_normal((5, 5)), rng.standard_normal((1, 1))
    values = {f"{v:.4f}"[:-1] for v in convlib.conv2d_grad_x(dy, w).ravel()}
    for name in ("no_flip", "float16", "blank"):
        text = report(graded["out"], name) + (graded["out"] / name / "results.json").read_text()
        assert "default_rng" not in text and "2104" not in text
        assert not [v for v in values if v in text]


def test_correct_float32_work_gets_full_marks(graded):
    check(graded, "float32", POINTS)


def test_float16_loses_its_question_and_says_why(graded):
    check(graded, "float16", {**POINTS, "q3": 0.0})
    text = report(graded["out"], "float16")
    assert "Public test: too imprecise" in text and "float16" in text
    assert "Hidden tests: failed on case 1 of 5" in text


def test_a_loops_question_refuses_the_library(graded):
    check(graded, "calls_convlib", {**POINTS, "q3": 0.0})
    assert "uses 'conv2d_grad_x'" in report(graded["out"], "calls_convlib")
    check(graded, "alias", {**POINTS, "q3": 0.0})
    assert "uses 'gx'" in report(graded["out"], "alias")


def test_grading_prints_one_line_per_submission(graded):
    lines = graded["result"].stdout.splitlines()
    assert len(lines) == len(graded["rows"])
    # Some submissions could not be graded at all (garbage, nested): the exit status says so.
    assert graded["result"].returncode == 1
    assert any("patches_modules.ipynb: ok 0/10 (q1 0/2, q2 0/2, q3 0/4, q4 0/2)" in line
               for line in lines)  # fmt: skip


# ---------------------------------------------------------------- Gradescope's run_autograder


def test_run_autograder_grades_like_gradescope(built, tmp_path):
    """The zip's run_autograder on a Gradescope-like tree (no Docker): /autograder/source (the
    zip), /autograder/submission, /autograder/results; the submission writes results.json."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(built["zip"]) as zf:
        zf.extractall(root / "source")
    (root / "submission").mkdir()
    results = root / "results" / "results.json"
    targets = [str(results), str(root / "source" / "questions.py")]
    hostile = WRITES_FILES.format(targets=targets, roots=[str(root)])
    submission(built, root / "submission", "notebook", hostile, **{**ZEROS, "q2": GRAD_W_LOOPS})
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    result = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(results.read_text())
    assert {t["name"]: t["score"] for t in data["tests"]} == {**ZERO, "q2": 2.0}
    assert data["score"] == 2.0
    assert (root / "source").stat().st_mode & 0o777 == 0o700
    assert "QUESTIONS" in (root / "source" / "questions.py").read_text()
    assert sandbox_processes() == []


# ---------------------------------------------------------------- a class's untidy notebooks


def test_bystanders_after_every_case_get_full_marks(graded):
    check(graded, "master-2", POINTS)  # the solutions again, graded last


def test_a_notebook_nested_too_deeply_is_unreadable_and_the_run_goes_on(graded):
    row = graded["rows"]["nested"]
    assert row["status"].startswith("unreadable: ") and scores(row) == ZERO
    assert "could not read the submission" in report(graded["out"], "nested")


def test_file_names_become_safe_unique_folders_inside_out(graded):
    out = graded["out"]
    check(graded, "summary.csv-2", POINTS)
    assert (out / "summary.csv").is_file()
    assert graded["rows"]["summary.csv-2"]["submission"].endswith("summary.csv.ipynb")
    check(graded, "submission", POINTS)  # "...ipynb"
    assert graded["rows"]["submission"]["submission"].endswith("/dots/...ipynb")
    check(graded, "twin", POINTS)
    check(graded, "twin-2", {**POINTS, "q4": 0.0})
    assert graded["rows"]["twin-2"]["submission"].endswith("/b/twin.ipynb")
    assert "missing flip" in report(out, "twin-2") and "missing flip" not in report(out, "twin")
    # Nothing was written, and no mode changed, beside --out.
    before, after = graded["outside"]
    assert before == after
    names = {p.name for p in out.iterdir()}
    assert names == {"summary.csv", *graded["rows"]}


def test_magics_shell_lines_and_timed_cells_run_as_in_jupyter(graded):
    check(graded, "magics", POINTS)
    log = (graded["out"] / "magics" / "q1.log").read_text()
    assert "shell commands (!...) are not run here" in log


def test_a_star_import_in_a_later_cell_costs_nothing(graded):
    check(graded, "star_import", POINTS)


def test_saved_outputs_of_any_size_are_ignored(graded):
    check(graded, "large_output", POINTS)


def test_a_cell_the_grader_cannot_read_is_not_run_and_said(graded):
    check(graded, "source_not_text", POINTS)
    assert "Cell 4 of your notebook: its source is not text" in report(
        graded["out"], "source_not_text"
    )
    check(graded, "long_lines", POINTS)
    text = report(graded["out"], "long_lines")
    assert text.count("the grader could not read it") == 2 * len(POINTS)


def test_a_garbled_wire_message_costs_only_its_question(graded):
    check(
        graded,
        "wire_deep",
        {**POINTS, "q2": 0.0},
        status="q2 crashed: its answer was garbled (a header nested more than 8 deep)",
    )
    row = graded["rows"]["wire_overflow"]
    assert row["status"].startswith("q2 crashed: its answer was garbled (an array of an impossible")
    assert scores(row) == {**POINTS, "q2": 0.0}


def test_a_mistake_that_later_questions_inherit_is_named_there(graded):
    check(graded, "off_by_one", {**POINTS, "q1": 0.0, "q2": 0.0, "q4": 0.0})
    text = report(graded["out"], "off_by_one")
    q2 = text[text.index("q2:") : text.index("q3:")]
    assert "grad_w calls your conv2d (which lost points in q1)" in q2
    q4 = text[text.index("q4:") :]
    assert "grad_x_flip calls your conv2d (which lost points in q1)" in q4
    assert "range(" not in text


def test_feedback_names_the_students_own_function(graded):
    text = report(graded["out"], "no_flip")
    q4 = text[text.index("q4:") :]
    assert "your grad_x_flip" in q4 and "your grad_x " not in q4


@pytest.mark.parametrize(
    ("name", "questions"),
    [
        ("rebound_if", ["q1"]),
        ("rebound_walrus", ["q1"]),
        # Dynamic reach anywhere in the notebook breaks every question with a rule on loops.
        ("rebound_globals", ["q1", "q3", "q4"]),
        ("q4_calls_q3", ["q4"]),
        ("windows_einsum", ["q1"]),
    ],
)
def test_rules_hold_for_what_runs(graded, name, questions):
    check(graded, name, {**POINTS, **dict.fromkeys(questions, 0.0)})
    assert "0 points:" in report(graded["out"], name)


def run_autograder(built, root):
    """Gradescope's run_autograder on the tree ``root`` (source, submission, results)."""
    with zipfile.ZipFile(built["zip"]) as zf:
        zf.extractall(root / "source")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    command = ["bash", str(root / "source" / "run_autograder")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    return result, json.loads((root / "results" / "results.json").read_text())


@pytest.mark.parametrize("case", ["nested", "not_a_zip", "no_notebook", "summary_name", "wire"])
def test_run_autograder_always_writes_valid_results(built, tmp_path, case):
    root = tmp_path / "autograder"
    folder = root / "submission"
    folder.mkdir(parents=True)
    if case == "nested":
        (folder / "notebook.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    elif case == "not_a_zip":
        (folder / "export.zip").write_bytes(b"PK\x03\x04 broken")
    elif case == "no_notebook":
        (folder / "notes.txt").write_text("I forgot the notebook")
    elif case == "summary_name":
        submission(built, folder, "summary.csv", **CORRECT)
    else:
        submission(built, folder, "notebook", **{**CORRECT, "q2": WIRE_DEEP})
    result, data = run_autograder(built, root)
    graded = case in ("summary_name", "wire")
    assert result.returncode == (0 if graded else 1), result.stdout + result.stderr
    assert set(data) >= {"score", "output"}
    if graded:
        expected = POINTS if case == "summary_name" else {**POINTS, "q2": 0.0}
        assert {t["name"]: t["score"] for t in data["tests"]} == expected
    else:
        assert data["score"] == 0 and data["tests"] == []
        assert data["output"].startswith("The autograder could not grade this submission: ")
    assert sandbox_processes() == []
