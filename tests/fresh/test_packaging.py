"""convlib declares what it imports, its wheel carries every sub-package and the browser script,
and its version is written in one place.

``pip install convlib`` (or ``%pip install`` in JupyterLite) brings matplotlib and ipywidgets for
the figures and live views. That the maths needs NumPy alone, and each sub-package only its own
dependencies, is tests/unit/test_layout.py's.
"""

import ast
import importlib.metadata
import importlib.util
import re
import sys
import tomllib
import zipfile

from needs import ROOT

import convlib

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
    """Each third-party import of convlib's modules, sub-packages included, is declared."""
    imported = set()
    for path in (ROOT / "convlib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {name for name in imported if name not in sys.stdlib_module_names}
    third_party.discard("convlib")
    assert third_party <= declared(), f"imported but not declared: {third_party - declared()}"
    assert {"numpy", "matplotlib", "ipywidgets"} <= declared()


def convlib_wheel(folder):
    """convlib's wheel, built as tools/build_lite.py builds it for JupyterLite."""
    spec = importlib.util.spec_from_file_location("build_lite", ROOT / "tools" / "build_lite.py")
    build_lite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_lite)
    return build_lite.convlib_wheel(folder)


def test_the_wheel_carries_every_module_of_every_sub_package(tmp_path):
    wheel = convlib_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        packed = {n for n in archive.namelist() if n.startswith("convlib/") and n.endswith(".py")}
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "convlib").rglob("*.py")}
    assert {"convlib/figures/drawing.py", "convlib/web/player.py"} <= sources
    assert packed == sources, f"missing from the wheel: {sorted(sources - packed)}"
    assert wheel.name.startswith(f"convlib-{convlib.__version__}-"), wheel.name


def test_the_version_is_written_once():
    """pyproject reads the version from convlib.__version__; no second copy to forget."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"], "pyproject.toml writes a version of its own"
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "convlib.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", convlib.__version__), convlib.__version__
    # The installed metadata (pip install -e . here) came from the same place.
    assert importlib.metadata.version("convlib") == convlib.__version__


def test_the_changelog_names_the_version_released():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, flags=re.M)
    assert headings[:2] == ["Unreleased", convlib.__version__], headings


def test_the_wheel_carries_the_browser_script(tmp_path):
    """Players inline convlib/web's scripts and stylesheets: JupyterLite installs convlib from
    this wheel."""
    spec = importlib.util.spec_from_file_location("build_lite", ROOT / "tools" / "build_lite.py")
    build_lite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_lite)
    wheel = build_lite.convlib_wheel(tmp_path)
    web = sorted((ROOT / "convlib" / "web").rglob("*.[jc]s*"))
    assert {p.suffix for p in web} == {".js", ".css"} and len(web) >= 7
    with zipfile.ZipFile(wheel) as archive:
        for path in web:
            name = path.relative_to(ROOT).as_posix()
            assert archive.read(name) == path.read_bytes(), name
