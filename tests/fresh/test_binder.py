"""Binder readiness: requirements.txt alone sets up an environment that runs the chapters.

repo2docker (Binder) runs ``pip install -r requirements.txt`` in the repository root and nothing
else, then readers open the notebooks in JupyterLab 4 with ``chapters/`` as working directory.
This test does exactly that in a fresh virtual environment, outside the project's own ``.venv``.

Every chapter already runs once per ``make test`` in the book build and once under nbval, with the
same pins; what only this environment can show is a module the chapters need that
requirements.txt does not bring. So here every module any chapter imports, and every module of
convlib, is imported, and three representative chapters run top to bottom: the widest use of
convlib's figures, players and widgets (3), the one that reads files beside it and plots the
benchmark (8), and scikit-learn's digits (9).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # left out of `make unit`

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
RUN = ["03_input_gradient.ipynb", "08_making_it_fast.ipynb", "09_cnn_digits.ipynb"]


def pins():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", "\n".join(lines), flags=re.M))


def test_every_requirement_is_pinned_and_convlib_installed():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert "==" in line or line == "-e .", f"requirements.txt: {line!r} is not pinned (==)"
    assert "-e ." in (ROOT / "requirements.txt").read_text(), (
        "requirements.txt must install convlib"
    )


def test_pins_suit_binder_jupyterlab_4_and_ipywidgets_8():
    p = pins()
    assert p["jupyterlab"].startswith("4."), p["jupyterlab"]
    assert p["ipywidgets"].startswith("8."), p["ipywidgets"]
    assert p["jupyter-book"].startswith("1."), (
        "Jupyter Book 2 would rewrite _config.yml and _toc.yml"
    )


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory):
    venv = tmp_path_factory.mktemp("binder") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "-q", "-r", "requirements.txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert pip.returncode == 0, f"pip install -r requirements.txt failed:\n{pip.stderr[-3000:]}"
    return venv


def imported_modules(notebook):
    """The modules a notebook's code cells import, by their full dotted names."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return set(re.findall(r"^\s*(?:from|import)\s+([A-Za-z_][\w.]*)", code, flags=re.M))


def test_every_module_the_chapters_and_convlib_import_is_installed(binder_env):
    modules = sorted(set().union(*map(imported_modules, NOTEBOOKS)))
    assert "convlib" in modules and "numpy" in modules, modules
    script = (
        "import importlib, pkgutil, convlib\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "for info in pkgutil.walk_packages(convlib.__path__, 'convlib.'):\n"
        "    importlib.import_module(info.name)\n"
    )
    run = subprocess.run(
        [binder_env / "bin" / "python", "-c", script],
        cwd=ROOT / "chapters",
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, f"not installed by requirements.txt alone:\n{run.stderr[-3000:]}"


def test_the_representative_chapters_exist():
    assert set(RUN) <= {notebook.name for notebook in NOTEBOOKS}, RUN


@pytest.mark.parametrize("notebook", [ROOT / "chapters" / name for name in RUN], ids=RUN)
def test_notebook_runs_in_a_binder_like_environment(binder_env, notebook, tmp_path):
    run = subprocess.run(
        [
            binder_env / "bin" / "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--ExecutePreprocessor.timeout=300",
            "--output-dir",
            str(tmp_path),
            notebook.name,
        ],
        cwd=ROOT / "chapters",
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, (
        f"{notebook.name} fails with requirements.txt alone:\n{run.stderr[-3000:]}"
    )
