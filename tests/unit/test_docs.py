"""The code shown in the README and on the book's intro page runs and does what the text says."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("page", ["README.md", "intro.md", "cheatsheet.md"])
def test_code_examples_run(page):
    blocks = python_blocks(ROOT / page)
    assert blocks, f"{page} has no python example"
    for block in blocks:
        namespace = {}
        exec(compile(block, page, "exec"), namespace)
        # Every shape stated in a comment as "# (a, b)" at the end of a line must be the real one.
        for name, shape in re.findall(r"^(\w+) = .*# (\(\d+, \d+\))", block, flags=re.M):
            assert str(namespace[name].shape) == shape, (page, name)


def test_the_instructor_page_lists_every_exercise_and_counts_them_right():
    labels = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        labels += re.findall(r"\{exercise\}[^\n]*\\n\",\s*\":label: ([\w-]+)", path.read_text())
    page = (ROOT / "instructor.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| \d+ \| \{ref\}`([\w-]+)`", page, flags=re.M)
    assert len(labels) > 40 and listed == labels, set(labels) ^ set(listed)
    chapters = len(list((ROOT / "chapters").glob("*.ipynb")))
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    assert f"{len(labels)} exercises closing the {words[chapters]} chapters" in page
