"""Every number stated in the chapters' exercise solutions, recomputed (scripts in tests/data/)."""

import runpy
from pathlib import Path

import pytest

SCRIPTS = sorted((Path(__file__).parents[1] / "data").glob("*_answers.py"))


def test_every_chapter_has_its_answers_checked():
    chapters = sorted((Path(__file__).parents[2] / "chapters").glob("*.ipynb"))
    assert len(SCRIPTS) >= 4 and chapters, SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_every_number_in_the_solutions(script, capsys):
    # Each script recomputes the arrays and numbers copied from the solutions, with loops, NumPy
    # and convlib, and asserts they agree: it raises AssertionError at the first wrong number.
    runpy.run_path(str(script), run_name="__main__")
