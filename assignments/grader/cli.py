"""The command line: grade submissions into a folder, or Gradescope's autograder tree."""

import argparse
import contextlib
import csv
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .grading import Result, failed_through, grade_question
from .notebook import Unreadable, read_cells
from .proxy import _PerThreadStdout
from .sandboxes import Sandboxes

HERE = Path(__file__).resolve().parent.parent
DEFAULT_AUTOGRADER = (
    HERE.parent / "_build/assignments/conv_backprop/autograder/conv_backprop-autograder.zip"
)


SUMMARY = "summary.csv"


def grade_submission(path, folder, questions, boxes, kit, options):
    """Grade one submission into its report ``folder``; its summary row, and whether it was
    graded. Nothing that goes wrong with one submission stops the run: it becomes its status."""
    start = time.monotonic()
    row = {"submission": str(path), "folder": folder.name, "status": "ok", "flags": ""}
    results, graded, statuses, notes = {}, True, [], []
    try:
        cells = read_cells(path)
    except (Unreadable, OSError, ValueError, MemoryError, RecursionError) as err:
        cells, graded = None, False
        statuses.append(f"unreadable: {err}")
    else:
        notes = [
            f"Cell {cell.number} of your notebook: {cell.note}." for cell in cells if cell.note
        ]
    skip = set()
    for question in questions:
        qname = question["name"]
        if cells is None:
            results[qname] = Result(
                feedback=[f"Not graded: the grader could not read the submission ({statuses[0]})."]
            )
            continue
        try:
            with _log(folder / f"{qname}.log") as log:
                results[qname] = grade_question(
                    question, questions, cells, skip, boxes, kit, log, options
                )
        except Exception as err:  # the grader's own trouble with this submission
            graded = False
            results[qname] = Result(
                status=f"{qname} not graded: {type(err).__name__}: {err}",
                feedback=[f"Not graded: the grader failed on this question ({err!r:.200})."],
            )
    if cells is not None:
        for qname, sentence in failed_through(results, questions, cells).items():
            results[qname].feedback.insert(0, sentence)
    statuses += [r.status for r in results.values() if r.status != "ok"]
    row["status"] = "; ".join(statuses) or "ok"
    flags = [f"{q}: {flag}" for q, r in results.items() for flag in r.flags]
    row["flags"] = "; ".join(flags)
    for question in questions:
        row[question["name"]] = results[question["name"]].score
    row["total"] = sum(r.score for r in results.values())
    seconds = time.monotonic() - start
    try:
        write_reports(path, folder, questions, results, row, notes, seconds)
    except OSError as err:
        graded = False
        row["status"] += f"; reports not written: {err}"
    return row, graded, seconds


def write_reports(path, folder, questions, results, row, notes, seconds):
    """The student's feedback, as report.txt and as Gradescope's results.json."""
    tests, report = [], []
    for question in questions:
        qname, points = question["name"], float(question["points"])
        result = results[qname]
        text = "\n".join([*notes, *result.feedback])
        tests.append(
            {
                "name": qname,
                "score": result.score,
                "max_score": points,
                "output": text,
                "visibility": "visible",
            }
        )
        report.append(f"{qname}: {result.score:g}/{points:g}\n{text}\n")
    results_json = {
        "score": row["total"],
        "output": f"Status: {row['status']}",
        "tests": tests,
        "execution_time": round(seconds, 1),
        # Gradescope's place for anything else; the flags are for the instructor.
        "extra_data": {"status": row["status"], "flags": row["flags"]},
    }
    write_private(folder / "results.json", json.dumps(results_json, indent=2))
    total = sum(t["max_score"] for t in tests)
    header = f"{path}: {row['status']}, {row['total']:g}/{total:g}"
    if row["flags"]:
        header += f"\nFor the instructor (the rules could not be sure): {row['flags']}"
    write_private(folder / "report.txt", header + "\n\n" + "\n".join(report))


@contextlib.contextmanager
def _log(path):
    """The question's log file, or, when it cannot be written (a full disk), nowhere."""
    try:
        log = open(path, "wb")
    except OSError:
        log = open(os.devnull, "wb")
    try:
        yield log
    finally:
        with contextlib.suppress(OSError):
            log.close()


def write_private(path, text):
    """Write ``text`` to ``path`` (a new file, readable by its owner and group only)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def folder_names(submissions):
    """A report folder name per submission: its file name made safe (letters, digits, ``.``,
    ``_`` and ``-``, never hidden, never ``.``/``..`` or the summary's name) and unique in the
    run (``-2``, ``-3``, ... on a clash, whatever the case of the letters)."""
    taken, names = {SUMMARY}, []
    for submission in submissions:
        stem = Path(submission).name
        for suffix in (".ipynb", ".zip"):
            stem = stem.removesuffix(suffix)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("._-")[:80] or "submission"
        name, number = safe, 1
        while name.lower() in taken:
            number += 1
            name = f"{safe}-{number}"
        taken.add(name.lower())
        names.append(name)
    return names


def report_folder(out, name):
    """``out/name``, a folder of this run's own (a leftover file or link there is refused)."""
    folder = out / name
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise OSError(f"{folder} exists and is not a folder")
    folder.mkdir(mode=0o750, exist_ok=True)
    return folder


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


def grade_all(submissions, out, assignment, options):
    """Grade ``submissions`` with the assignment in folder ``assignment``: the summary rows, and
    whether every submission was graded (its score decided, whatever it is)."""
    questions = load_questions(assignment)
    if not isinstance(sys.stdout, _PerThreadStdout):
        sys.stdout = _PerThreadStdout(sys.stdout)
    out.mkdir(mode=0o750, parents=True, exist_ok=True)
    boxes = Sandboxes(options.jobs, options.memory, options.cell_timeout, scratch=options.scratch)
    if not boxes.namespaces:
        print(
            "grade.py: no PID/mount/IPC namespaces here (unshare failed): sandboxes run as their "
            "own users with limits, but can read what other users may read and, while a question "
            "runs, write into folders every user may write to (see assignments/README.md)",
            file=sys.stderr,
        )
    names = folder_names(submissions)
    total = sum(float(q["points"]) for q in questions)

    def one(item):
        path, name = item
        try:
            folder = report_folder(out, name)
        except OSError as err:
            row = {"submission": str(path), "folder": name, "status": f"not graded: {err}"}
            row |= {"flags": "", "total": 0.0, **{q["name"]: 0.0 for q in questions}}
            return row, False
        row, graded, seconds = grade_submission(path, folder, questions, boxes, assignment, options)
        scores = ", ".join(f"{q['name']} {row[q['name']]:g}/{q['points']:g}" for q in questions)
        print(
            f"{path}: {row['status']} {row['total']:g}/{total:g} ({scores}) in {seconds:.1f} s",
            file=sys.stdout.real,
            flush=True,
        )
        return row, graded

    try:
        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
            done = list(pool.map(one, zip(submissions, names, strict=True)))
    finally:
        boxes.close()
    rows = [row for row, _ in done]
    fields = ["submission", "folder", "status", "total", *(q["name"] for q in questions), "flags"]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_private(out / SUMMARY, text.getvalue())
    return rows, all(graded for _, graded in done)


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
        _, graded = grade_all(args.submissions, args.out, assignment, args)
    finally:
        shutil.rmtree(assignment, ignore_errors=True)
    return 0 if graded else 1


def gradescope(args):
    """Gradescope's autograder: ROOT/source (this zip), ROOT/submission, ROOT/results.

    ROOT/results/results.json is always written, valid, with the reason when grading failed.
    """
    root = args.gradescope.resolve()
    source, results = root / "source", root / "results"
    data, graded, out = None, False, None
    try:
        for folder in (source, results):
            folder.mkdir(parents=True, exist_ok=True)
            os.chown(folder, 0, 0)
        source.chmod(0o700)  # the hidden tests and the grader: root's only
        results.chmod(0o755)
        submissions = sorted(
            p
            for p in (root / "submission").rglob("*")
            if p.suffix in (".ipynb", ".zip") and p.is_file() and not p.is_symlink()
        )
        submissions = [p for p in submissions if ".ipynb_checkpoints" not in p.parts][:1]
        if not submissions:
            data = _failed("no notebook (.ipynb) was found in the submission")
        else:
            out = private_folder("graded-")
            rows, graded = grade_all(submissions, out, source, args)
            report = out / rows[0]["folder"] / "results.json"
            if graded and report.is_file():
                data = json.loads(report.read_text())
            else:
                data = _failed(rows[0]["status"])
    except Exception as err:  # whatever happened, Gradescope gets a results.json saying so
        data, graded = _failed(f"{type(err).__name__}: {err}"), False
    finally:
        if data is None:  # interrupted
            data = _failed("grading was interrupted")
        results.mkdir(parents=True, exist_ok=True)
        write_private(results / "results.json", json.dumps(data, indent=2))
        (results / "results.json").chmod(0o644)
        if out is not None:
            shutil.rmtree(out, ignore_errors=True)
    return 0 if graded else 1


def _failed(reason):
    """Gradescope's results when the submission could not be graded."""
    return {
        "score": 0,
        "output": f"The autograder could not grade this submission: {reason}. "
        "Check that you uploaded your notebook (.ipynb), or ask your instructor.",
        "tests": [],
        "extra_data": {"status": f"not graded: {reason}"},
    }


if __name__ == "__main__":
    sys.exit(main())
