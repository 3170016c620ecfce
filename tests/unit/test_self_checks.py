"""Chapters 1 to 4: every player or figure that asks the reader a question has its answer.

The question is asked in the text before it ("Predict ..."), the answer follows it as a
"Check your prediction" dropdown that stays in the student edition, and a cell after the answer
checks what it says. The chapters are found in the chapters folder, not listed here.
"""

import json
import re
from pathlib import Path

import pytest
from needs import ROOT, site_or_skip

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
SELF_CHECK = re.compile(r"^```\{admonition\} Check your prediction\n:class: dropdown self-check\n")


def cells(notebook):
    return json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def asks_a_question(cell):
    """A player whose title is a question, or a figure whose caption is one."""
    if cell["cell_type"] != "code":
        return False
    text = source(cell)
    title = re.search(r"\bplayer\((?s:.*)title=\"([^\"]*)\"", text)
    caption = cell["metadata"].get("mystnb", {}).get("figure", {}).get("caption", "")
    return bool(title and "?" in title.group(1)) or "?" in caption


def test_the_chapters_are_found():
    assert [p.name[:2] for p in CHAPTERS][:4] == ["01", "02", "03", "04"]


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_every_question_is_predicted_then_answered_then_checked(notebook):
    nb = cells(notebook)
    questions = [i for i, cell in enumerate(nb) if asks_a_question(cell)]
    if notebook.name.startswith(("01", "02", "03")):
        assert questions, f"{notebook.name}: its players ask questions"
    for i in questions:
        before = next(source(c) for c in reversed(nb[:i]) if c["cell_type"] == "markdown")
        assert "**Predict**" in before, f"{notebook.name}, cell {i}: no 'Predict' before it"
        answer = nb[i + 1]
        assert answer["cell_type"] == "markdown" and SELF_CHECK.match(source(answer)), (
            f"{notebook.name}, cell {i}: not followed by a 'Check your prediction' dropdown"
        )


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_every_self_check_is_followed_by_a_cell_that_asserts_it(notebook):
    nb = cells(notebook)
    answers = [i for i, cell in enumerate(nb) if SELF_CHECK.match(source(cell))]
    for i in answers:
        check = nb[i + 1]
        assert check["cell_type"] == "code" and "assert " in source(check), (
            f"{notebook.name}, cell {i}: the answer is not checked by the next cell"
        )
        assert "{solution}" not in source(nb[i]), "a self-check is not an exercise answer"
    if notebook.name.startswith(("01", "02", "03", "04")):
        assert answers, f"{notebook.name} has no self-check"


def self_checks_on(page):
    return len(re.findall(r'class="[^"]*\bself-check\b[^"]*"', page.read_text(encoding="utf-8")))


@pytest.mark.slow  # reads both built editions
@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_the_student_edition_keeps_the_self_checks(notebook):
    default, student = ROOT / "_build" / "html", ROOT / "_build" / "student" / "html"
    site_or_skip(default, "make book")
    site_or_skip(student, "make student")
    page = Path("chapters") / f"{notebook.stem}.html"
    expected = sum(bool(SELF_CHECK.match(source(c))) for c in cells(notebook))
    assert self_checks_on(default / page) == expected
    assert self_checks_on(student / page) == expected
