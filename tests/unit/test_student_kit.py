"""The assignment's student kit: convlib without the reference loops, and all the notebook needs.

assignments/build.py copies it beside the student notebook and into the autograder zip, where
only NumPy is installed (assignments/conv_backprop/requirements.txt). Here it is imported in a
fresh interpreter from a folder of its own, with matplotlib and ipywidgets unimportable.
"""

import importlib.util
import json
import re
import subprocess
import sys
import textwrap

import pytest
from needs import ROOT

ASSIGNMENTS = ROOT / "assignments"

# A finder first on sys.meta_path refuses matplotlib and ipywidgets, as if not installed; the
# finders of this repository's editable install go, so that only the kit's convlib is there.
PRELUDE = textwrap.dedent(
    """
    import importlib.abc, sys

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("matplotlib", "ipywidgets"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    def editable(hook):
        return getattr(hook, "__module__", type(hook).__module__).startswith("__editable__")

    sys.meta_path[:] = [Refuse()] + [f for f in sys.meta_path if not editable(f)]
    sys.path_hooks[:] = [h for h in sys.path_hooks if not editable(h)]
    sys.path_importer_cache.clear()
    """
)


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("build", ASSIGNMENTS / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    folder = tmp_path_factory.mktemp("kit")
    assert build.copy_kit(folder) == folder / "convlib"
    return folder


def run_in(folder, code):
    """``code`` in a fresh interpreter whose first import path is ``folder``."""
    source = PRELUDE + "sys.path.insert(0, " + repr(str(folder)) + ")\n" + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", source], cwd=folder, capture_output=True, text=True, timeout=120
    )


def test_the_kit_has_no_reference_loops_and_every_sub_package(kit):
    files = {p.relative_to(kit).as_posix() for p in kit.rglob("*.py")}
    assert "convlib/reference.py" not in files
    assert {"convlib/__init__.py", "convlib/checkers/exercises.py"} <= files
    assert "convlib/exercises.py" not in files  # the checkers' old path is gone
    for package in ("figures", "web", "checkers"):
        assert f"convlib/{package}/__init__.py" in files
    assert not list(kit.rglob("__pycache__"))


def test_star_import_works_in_the_kit(kit):
    run = run_in(
        kit,
        """
        from convlib import *
        import convlib
        assert convlib.__file__.startswith(sys.path[0]), convlib.__file__
        print(sorted(name for name in dir() if not name.startswith("_")))
        """,
    )
    assert run.returncode == 0, run.stderr
    names = set(eval(run.stdout.strip().splitlines()[-1]))
    assert {"conv2d", "conv2d_grad_w", "conv2d_grad_x", "flip", "output_size"} <= names


def test_the_kit_has_no_reference_to_import(kit):
    run = run_in(kit, "import convlib\nconvlib.reference")
    assert run.returncode != 0
    assert "No module named 'convlib.reference'" in run.stderr, run.stderr


def notebook_imports():
    """Every import line of the assignment notebook's code cells."""
    notebook = json.loads((ASSIGNMENTS / "conv_backprop" / "master.ipynb").read_text())
    lines = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            lines += [
                line.strip() for line in source.splitlines() if re.match(r"\s*(from|import) ", line)
            ]
    return sorted(set(lines))


def test_the_notebooks_imports_and_checkers_work_in_the_kit(kit):
    imports = notebook_imports()
    assert "from convlib.checkers import check_conv2d" in imports, imports
    run = run_in(
        kit,
        "\n".join(imports)
        + """
import convlib
from convlib.checkers import check_grad_w, check_grad_x
check_conv2d(convlib.conv2d, time_limit=None)
check_grad_w(convlib.conv2d_grad_w)
check_grad_x(lambda dy, w: convlib.conv2d_grad_x(dy, w))
""",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("correct on 6 cases") == 3, run.stdout


def test_what_the_grader_imports_is_in_the_kit(kit):
    # The grader calls these on the student's functions.
    run = run_in(
        kit,
        """
        from convlib.checkers import exercises
        for name in ("check_conv2d", "check_grad_w", "check_grad_x", "assert_agrees", "RTOL"):
            assert hasattr(exercises, name), name
        import numpy as np
        exercises.assert_agrees(np.ones(2, dtype=np.float32), np.ones(2))
        """,
    )
    assert run.returncode == 0, run.stderr
