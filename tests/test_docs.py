"""The code shown in the README and on the book's intro page runs and does what the text says."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("page", ["README.md", "intro.md"])
def test_code_examples_run(page):
    blocks = python_blocks(ROOT / page)
    assert blocks, f"{page} has no python example"
    for block in blocks:
        namespace = {}
        exec(compile(block, page, "exec"), namespace)
        # Every shape stated in a comment as "# (a, b)" at the end of a line must be the real one.
        for name, shape in re.findall(r"^(\w+) = .*# (\(\d+, \d+\))", block, flags=re.M):
            assert str(namespace[name].shape) == shape, (page, name)
