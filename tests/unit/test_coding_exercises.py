"""The code in the exercise solutions runs, and coding exercises pass the checkers they name."""

import json
import re
import textwrap
from pathlib import Path

import pytest

from convlib import checkers

ROOT = Path(__file__).resolve().parents[2]
CHECKERS = {
    "conv2d": checkers.check_conv2d,
    "grad_w": checkers.check_grad_w,
    "grad_x": checkers.check_grad_x,
    "max_pool_grad_x": checkers.check_max_pool_grad_x,
    "batch_grad_x": checkers.check_batch_grad_x,
    "strided_grad_x": checkers.check_strided_grad_x,
}


def solution_code():
    """(notebook, label, code) for every python block inside a solution directive."""
    found = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            text = "".join(cell["source"]) if cell["cell_type"] == "markdown" else ""
            for label, body in re.findall(r"````\{solution\} (\S+)\n(.*?)\n````", text, flags=re.S):
                for code in re.findall(r"```python\n(.*?)```", body, flags=re.S):
                    found.append((path.name, label, textwrap.dedent(code)))
    return found


SOLUTIONS = solution_code()


def test_five_chapters_have_coding_exercises():
    labels = {label for _, label, _ in SOLUTIONS}
    assert labels >= {"ex-forward-code", "ex-dw-code", "ex-dx-code", "ex-chan-code", "ex-spd-code"}


@pytest.mark.parametrize("notebook, label, code", SOLUTIONS, ids=[s[1] for s in SOLUTIONS])
def test_solution_passes_its_checker(notebook, label, code, capsys):
    namespace = {}
    exec(compile(code, f"{notebook}:{label}", "exec"), namespace)
    checked = 0
    for name, function in namespace.items():
        kind = next((k for k in CHECKERS if name == k or name.startswith(k + "_")), None)
        if kind and callable(function):
            CHECKERS[kind](function)  # raises AssertionError with a diagnosis if wrong
            checked += 1
    if label.endswith("-code"):  # a coding exercise: its functions must pass the checkers
        assert checked, f"{label}: no function named after a checker ({', '.join(CHECKERS)})"
        assert capsys.readouterr().out.count("correct on") == checked
