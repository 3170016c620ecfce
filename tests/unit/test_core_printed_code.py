"""Chapters 1 to 3 print the reference loops beside their equations: the text and code agree.

Each printed function of ``convlib.reference`` must be the notes' case (one channel, stride 1,
two arguments), loop with the letters the equation sums over, in the order the text names them,
and be the function the next checks run, not another loop that happens to agree.
"""

import ast
import inspect
import json
import re
import textwrap

import pytest
from needs import ROOT

import convlib.reference

CHAPTERS = sorted((ROOT / "chapters").glob("0[1-3]_*.ipynb"))
PRINTED = re.compile(r"inspect\.getsource\(convlib\.reference\.(\w+)\)")

# The loop variables of each equation, outermost first, in the book's letters (a trailing p is a
# prime): eq-forward sums over a, b for each output (r, c); eq-dw over r, c for each weight
# (a', b'); eq-dx over a, b for each pixel (r', c').
LETTERS = {
    "correlate": ["r", "c", "a", "b"],
    "weight_gradient": ["ap", "bp", "r", "c"],
    "input_gradient": ["rp", "cp", "a", "b"],
}


def cells(notebook):
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def printed_functions():
    found = []
    for notebook in CHAPTERS:
        nb = cells(notebook)
        for i, cell in enumerate(nb):
            for name in PRINTED.findall("".join(cell["source"])):
                found.append((notebook, nb, i, name))
    return found


def loop_variables(function):
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return [node.target.id for node in ast.walk(tree) if isinstance(node, ast.For)]


def test_each_of_chapters_1_to_3_prints_its_loops():
    assert sorted(name for *_, name in printed_functions()) == sorted(LETTERS)


@pytest.mark.parametrize(
    "notebook, nb, i, name", printed_functions(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_printed_loops_match_the_text_and_are_the_ones_checked(notebook, nb, i, name):
    function = getattr(convlib.reference, name)
    # The notes' case: two arrays in, stride 1 and one channel (no stride or dilation argument).
    assert list(inspect.signature(function).parameters) in (["x", "w"], ["x", "dy"], ["dy", "w"])
    assert loop_variables(function) == LETTERS[name]
    # The text before the printout names every loop variable, in code font, and the function.
    text = "".join(next(c for c in reversed(nb[:i]) if c["cell_type"] == "markdown")["source"])
    assert f"convlib.reference.{name}" in text, f"{notebook.name}: the text does not name {name}"
    for letter in LETTERS[name]:
        assert f"`{letter}`" in text, f"{notebook.name}: the text does not name `{letter}`"
    assert "stride 1" in text and "one channel" in text
    # A later cell checks the printed function itself against the formula or convlib.
    later = "".join("".join(c["source"]) for c in nb[i + 1 :] if c["cell_type"] == "code")
    assert f"convlib.reference.{name}(" in later, f"{notebook.name}: {name} is printed, not checked"
    # The docstring's first line is the equation, in the same letters.
    first_line = function.__doc__.splitlines()[0]
    prime = {"ap": "a'", "bp": "b'", "rp": "r'", "cp": "c'"}
    for letter in LETTERS[name]:
        assert prime.get(letter, letter) in first_line, (name, letter, first_line)
