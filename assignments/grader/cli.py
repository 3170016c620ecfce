"""The command line: grade submissions into a folder, or Gradescope's autograder tree."""

import argparse
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .grading import grade_question
from .notebook import code_cells, read_notebook
from .proxy import _PerThreadStdout
from .sandboxes import Sandboxes

HERE = Path(__file__).resolve().parent.parent
DEFAULT_AUTOGRADER = (
    HERE.parent / "_build/assignments/conv_backprop/autograder/conv_backprop-autograder.zip"
)


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
