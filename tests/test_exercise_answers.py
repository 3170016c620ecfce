"""Every number stated in the chapters' exercise solutions, recomputed (tests/data/)."""

import runpy
from pathlib import Path

DATA = Path(__file__).parent / "data"


def test_every_number_in_the_solutions():
    # The script recomputes each array copied from a solution, with loops and with convlib, and
    # asserts they agree; it raises AssertionError at the first wrong number.
    runpy.run_path(str(DATA / "exercise_answers.py"), run_name="exercise_answers")
