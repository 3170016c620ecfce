"""The grading tier's notebooks: submissions made from the built assignment's student notebook,
and the scripts they are built and graded with (see tests/grading/conftest.py's ``built``)."""

import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "assignments" / "build.py"
GRADE = REPO / "assignments" / "grade.py"
FUNCTIONS = {"q1": "conv2d", "q2": "grad_w", "q3": "grad_x", "q4": "grad_x_flip"}


def run(*command, timeout=300, env=None):
    return subprocess.run(
        [sys.executable, *map(str, command)], capture_output=True, text=True, timeout=timeout,
        env=env,
    )  # fmt: skip


def submission(built, folder, name, *extra_cells, **answers):
    """The student notebook with the answer cell of each question in ``answers`` replaced and
    ``extra_cells`` added after the imports."""
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
    imports = next(i for i, c in enumerate(nb.cells) if c.source.startswith("import numpy"))
    for offset, source in enumerate(extra_cells, 1):
        nb.cells.insert(imports + offset, nbformat.v4.new_code_cell(source.strip()))
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path
