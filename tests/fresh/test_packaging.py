"""convlib declares what it imports, and its maths needs NumPy alone.

``pip install convlib`` (or ``%pip install`` in JupyterLite) brings matplotlib and ipywidgets for
the figures and live views; the maths modules must still import where only NumPy is installed
(a grader's sandbox, a minimal environment), which a fresh interpreter with matplotlib and
ipywidgets made unimportable proves.
"""

import ast
import importlib.util
import subprocess
import sys
import textwrap
import tomllib
import zipfile

import pytest
from needs import ROOT

MATHS = ["fast", "reference", "gradcheck", "shapes", "windows", "matrix", "fft"]
HIDDEN = ["matplotlib", "ipywidgets"]

# Run in a fresh interpreter: a finder placed first on sys.meta_path refuses the hidden packages,
# as if they were not installed.
WITHOUT = textwrap.dedent(
    """
    import importlib.abc, sys

    HIDDEN = {hidden!r}

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in HIDDEN:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, Refuse())
    """
)


def run_without(code):
    source = WITHOUT.format(hidden=HIDDEN) + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", source], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_maths_modules_import_without_matplotlib_or_ipywidgets():
    imports = "; ".join(f"import convlib.{name}" for name in MATHS)
    run = run_without(
        f"""
        import numpy as np
        import convlib
        {imports}
        x, w = np.arange(12.0).reshape(3, 4), np.array([[1.0, -1.0]])
        assert convlib.conv2d(x, w).tolist() == [[-1.0] * 3] * 3
        assert convlib.matrix.conv_matrix(x.shape, w).shape == (9, 12)
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in HIDDEN)
        assert loaded == [], loaded
        """
    )
    assert run.returncode == 0, f"a maths module needs matplotlib or ipywidgets:\n{run.stderr}"


@pytest.mark.parametrize("module,needs", [("drawing", "matplotlib"), ("widgets", "ipywidgets")])
def test_the_hiding_works(module, needs):
    """There, the figure and widget modules cannot be imported: the test above can fail."""
    run = run_without(f"import convlib.{module}")
    assert run.returncode != 0
    assert f"No module named '{needs}" in run.stderr, run.stderr


IMPORT_NAMES = {"scikit-learn": "sklearn"}  # distributions imported under another name


def declared():
    """The import names of pyproject's dependencies, the optional ones (extras) included."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {}).values()
    names = set()
    for requirement in [*project["dependencies"], *(r for extra in extras for r in extra)]:
        for stop in "<>=!~[; ":
            requirement = requirement.split(stop)[0]
        name = requirement.strip().lower()
        names.add(IMPORT_NAMES.get(name, name))
    return names


def test_every_package_convlib_imports_is_declared():
    """Each third-party top-level import of convlib/*.py is one of pyproject's dependencies."""
    imported = set()
    for path in (ROOT / "convlib").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {name for name in imported if name not in sys.stdlib_module_names}
    third_party.discard("convlib")
    assert third_party <= declared(), f"imported but not declared: {third_party - declared()}"
    assert {"numpy", "matplotlib", "ipywidgets"} <= declared()


def test_the_wheel_carries_the_browser_script(tmp_path):
    """Players inline convlib/web/convlib.js: JupyterLite installs convlib from this wheel."""
    spec = importlib.util.spec_from_file_location("build_lite", ROOT / "tools" / "build_lite.py")
    build_lite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_lite)
    wheel = build_lite.convlib_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        script = archive.read("convlib/web/convlib.js")
    assert script == (ROOT / "convlib" / "web" / "convlib.js").read_bytes()
