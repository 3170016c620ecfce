"""convlib keeps its four dependency worlds apart, read from the imports themselves.

- the maths (``convlib`` and its top-level modules) imports NumPy and itself only;
- the animations' data (``frames``, ``palette``) adds nothing but the maths;
- ``convlib.figures`` (matplotlib), ``convlib.web`` (HTML, JavaScript, ipywidgets) and
  ``convlib.checkers`` use the maths (the first two the data too) and never one another.

One test reads every module's source (lazy imports inside functions included, and strings that
name a module of convlib, as ``importlib.import_module`` takes them) and checks each import
against :data:`RULES`; another imports each world in a fresh interpreter where the other worlds,
and the packages they need, cannot be imported.
"""

import ast
import re
import subprocess
import sys
import textwrap

import pytest
from needs import ROOT

CONVLIB = ROOT / "convlib"
MATHS = {"fast", "reference", "gradcheck", "shapes", "windows", "matrix", "fft", "layers", "cnn"}
DATA = {"frames", "palette"}
SUBPACKAGES = {"figures", "web", "checkers"}
MODULE_NAME = re.compile(r"convlib(\.[A-Za-z_]\w*)+")

# world: (the convlib worlds it may import, the packages beyond the standard library it may import)
RULES = {
    "maths": ({"maths"}, {"numpy"}),
    "data": ({"maths", "data"}, {"numpy"}),
    "figures": ({"maths", "data", "figures"}, {"numpy", "matplotlib"}),
    "web": ({"maths", "data", "web"}, {"numpy", "ipywidgets"}),
    "checkers": ({"maths", "checkers"}, {"numpy"}),
}
# (module, package) that may be imported inside a function only: the digits are scikit-learn's.
LAZY = {("convlib.cnn", "sklearn")}
# Narrower still: all that these may import of convlib.
NARROWER = {
    "convlib.shapes": set(),  # the argument checks that everything else uses
    "convlib.palette": set(),  # colours, as strings
    "convlib.reference": {"convlib.shapes"},  # the tests' oracle never imports the code it checks
}


def module_name(path):
    """convlib/web/player.py -> convlib.web.player; convlib/__init__.py -> convlib."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def world(name):
    """The world of module ``name`` of convlib, or None if the table does not know it."""
    parts = name.split(".")
    if name == "convlib" or (len(parts) == 2 and parts[1] in MATHS):
        return "maths"
    if len(parts) == 2 and parts[1] in DATA:
        return "data"
    if len(parts) >= 2 and parts[1] in SUBPACKAGES:
        return parts[1]
    return None


def is_module(name):
    """Whether convlib has a module (or package) of that name."""
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports(source, name, is_package):
    """(imported module, line, inside a function) for every import in ``source``.

    Relative imports are resolved from module ``name``; ``from module import a`` yields
    ``module.a`` where that is a module of convlib, ``module`` otherwise. A string that is the
    whole name of a module of convlib ("convlib.frames") counts as an import done later.
    """
    tree = ast.parse(source)
    lazy = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            lazy |= {id(inner) for inner in ast.walk(node) if inner is not node}
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        inside = id(node) in lazy
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if MODULE_NAME.fullmatch(node.value) and is_module(node.value):
                found.append((node.value, node.lineno, True))
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, inside) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            for alias in node.names:  # from convlib import frames: frames is a module
                candidate = f"{target}.{alias.name}"
                found.append((candidate if is_module(candidate) else target, node.lineno, inside))
    return list(dict.fromkeys(found))  # once each


def violations(source, name, is_package=False):
    """What is wrong with the imports of module ``name`` whose code is ``source``."""
    here = world(name)
    if here is None:
        return [f"{name} belongs to no world: add it to MATHS, DATA or a sub-package"]
    worlds, packages = RULES[here]
    wrong = []
    for target, line, inside in imports(source, name, is_package):
        top = target.split(".")[0]
        if top == "convlib":
            there = world(target)
            if name in NARROWER and target not in NARROWER[name]:
                allowed = ", ".join(sorted(NARROWER[name])) or "nothing"
                wrong.append(
                    f"{name} imports {target} (line {line}): it may import {allowed} of convlib"
                )
            elif there not in worlds:
                wrong.append(
                    f"{name} ({here}) imports {target} ({there or 'in no world'}, line {line}): "
                    f"{here} may import only {', '.join(sorted(worlds))} of convlib"
                )
        elif top not in sys.stdlib_module_names and top not in packages:
            if (name, top) in LAZY and inside:
                continue
            where = "at module level" if (name, top) in LAZY else f"({here})"
            wrong.append(
                f"{name} imports {target} {where}, line {line}: {here} may import only "
                f"{', '.join(sorted(packages))} beyond the standard library"
            )
    return wrong


MODULES = sorted(CONVLIB.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_every_import_keeps_to_the_dependency_rules(path):
    name = module_name(path)
    wrong = violations(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
    assert not wrong, "\n".join(wrong)


def test_the_table_knows_every_module_and_the_worlds_are_all_there():
    names = {module_name(p) for p in MODULES}
    assert {f"convlib.{m}" for m in MATHS | DATA} <= names
    assert {f"convlib.{s}" for s in SUBPACKAGES} <= names  # each sub-package has its __init__
    assert {name for name in names if world(name) is None} == set()


@pytest.mark.parametrize(
    "name, source, wrong",
    [
        ("convlib.web.svg", "from ..figures.grids import fmt", "convlib.figures.grids (figures"),
        ("convlib.web.svg", "from convlib.figures import grids", "convlib.figures.grids"),
        ("convlib.checkers.exercises", "from ..web import player", "convlib.web.player (web"),
        ("convlib.figures.drawing", "import convlib.checkers", "convlib.checkers (checkers"),
        ("convlib.frames", "from .figures import grids", "convlib.figures.grids (figures"),
        ("convlib.frames", "from .checkers import checking", "convlib.checkers.checking (check"),
        ("convlib.fft", "from .layers import relu\nfrom .frames import fmt", "convlib.frames"),
        ("convlib.reference", "from .layers import check_pool", "convlib.layers (line 1)"),
        ("convlib.palette", "from .windows import FIRST", "convlib.windows (line 1)"),
        ("convlib.shapes", "from . import fast", "convlib.fast (line 1): it may import nothing"),
        ("convlib.matrix", "def f():\n    import matplotlib.pyplot", "matplotlib.pyplot (maths)"),
        ("convlib.checkers.checking", "def f():\n    import ipywidgets", "ipywidgets (checkers)"),
        ("convlib.cnn", "import sklearn.datasets", "sklearn.datasets at module level"),
        ("convlib.fast", "def f():\n    import sklearn", "sklearn (maths)"),
        ("convlib.fft", 'LATER = "convlib.figures.drawing"', "convlib.figures.drawing (figures"),
        ("convlib", '_X = {"p": "convlib.web.player"}', "convlib.web.player (web"),
        ("convlib.checkers.checking", 'NAME = "convlib.frames"', "convlib.frames (data"),
        ("convlib.utils", "import numpy", "convlib.utils belongs to no world"),
    ],
)
def test_the_rules_catch_a_wrong_import(name, source, wrong):
    found = violations(source, name)
    assert len(found) == 1 and wrong in found[0], found


def test_the_rules_let_the_right_imports_through():
    assert violations("def load():\n    from sklearn import datasets", "convlib.cnn") == []
    assert violations("from ..frames import fmt\nfrom .grids import DPI", "convlib.figures.x") == []
    assert violations("from .shapes import check_pool", "convlib.reference") == []
    assert violations("from . import gradcheck, shapes", "convlib", is_package=True) == []
    first_use = '_ON_FIRST_USE = {"reference": "convlib.reference"}'
    assert violations(first_use, "convlib", is_package=True) == []
    assert violations('"""See convlib.figures for the figures."""', "convlib.fast") == []


# A fresh interpreter for each world, where a finder first on sys.meta_path refuses the other
# worlds' packages and convlib's modules outside the world, as if they were not there.
HIDE = textwrap.dedent(
    """
    import importlib, importlib.abc, sys

    HIDDEN = {hidden!r}

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if any(name == h or name.startswith(h + ".") for h in HIDDEN):
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, Refuse())
    for module in {modules!r}:
        importlib.import_module(module)
    loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in HIDDEN))
    assert not loaded, loaded
    """
)


def run_hiding(hidden, modules):
    source = HIDE.format(hidden=sorted(hidden), modules=modules)
    return subprocess.run(
        [sys.executable, "-c", source], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def modules_of(name):
    """The modules of world ``name``, by their import names."""
    names = sorted(module_name(p) for p in MODULES)
    return [n for n in names if world(n) == name]


THIRD_PARTY = {"matplotlib", "ipywidgets", "sklearn"}
OTHERS = {f"convlib.{s}" for s in SUBPACKAGES}
DATA_MODULES = {f"convlib.{m}" for m in DATA}
WORLDS = {
    "maths": (modules_of("maths"), THIRD_PARTY | OTHERS | DATA_MODULES),
    "data": (modules_of("data"), THIRD_PARTY | OTHERS),
    "figures": (modules_of("figures"), THIRD_PARTY - {"matplotlib"} | OTHERS - {"convlib.figures"}),
    "web": (modules_of("web"), THIRD_PARTY - {"ipywidgets"} | OTHERS - {"convlib.web"}),
    # what a static page needs: the players, the explorer and the SVG frames
    "web without widgets": (
        [m for m in modules_of("web") if m != "convlib.web.widgets"],
        THIRD_PARTY | OTHERS - {"convlib.web"},
    ),
    "checkers": (
        modules_of("checkers"),
        THIRD_PARTY | OTHERS - {"convlib.checkers"} | DATA_MODULES,
    ),
}


@pytest.mark.parametrize("name", WORLDS)
def test_each_world_imports_with_the_others_hidden(name):
    modules, hidden = WORLDS[name]
    assert len(modules) >= 2, modules
    run = run_hiding(hidden, modules)
    assert run.returncode == 0, f"{name} needs something hidden from it:\n{run.stderr}"


@pytest.mark.parametrize(
    "module, hidden",
    [
        ("convlib.figures.drawing", "matplotlib"),
        ("convlib.web.widgets", "ipywidgets"),
        ("convlib.figures.grids", "convlib.palette"),
        ("convlib.checkers", "convlib.checkers.exercises_layers"),
    ],
)
def test_the_hiding_works(module, hidden):
    """Where a module needs what is hidden, it cannot be imported: the test above can fail."""
    run = run_hiding({hidden}, [module])
    assert run.returncode != 0
    assert f"No module named '{hidden}" in run.stderr, run.stderr
