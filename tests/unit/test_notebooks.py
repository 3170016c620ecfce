"""Every chapter is committed clean and listed in the table of contents."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 4, NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: cell {index} has outputs; clear them"
            assert cell["execution_count"] is None, f"{path.name}: cell {index} was executed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_listed_in_the_table_of_contents(path):
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert f"chapters/{path.stem}" in toc, f"{path.name} is not in _toc.yml: the book would skip it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_helper_code_in_notebooks(path):
    """Reusable code lives in convlib, tested; a notebook defines at most small loss closures."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            assert "class " not in source, f"{path.name} defines a class: move it to convlib"
            for line in source.splitlines():
                if line.startswith("def "):
                    assert line.startswith(("def loss", "def loss_of")), (
                        f"{path.name} defines {line!r}: helper code belongs in convlib"
                    )
