"""The grading tier's shared fixture: the assignment, built once for all its modules."""

import pytest
from grading_notebooks import BUILD, run


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """assignments/build.py's output, without grading the solutions: the student notebook, the
    solutions and the autograder zip."""
    out = tmp_path_factory.mktemp("assignments")
    result = run(BUILD, "--out", out, "--no-run-tests")
    assert result.returncode == 0, result.stdout + result.stderr
    root = out / "conv_backprop"
    return {
        "student": root / "student" / "master.ipynb",
        "solutions": root / "autograder" / "master.ipynb",
        "zip": root / "autograder" / "conv_backprop-autograder.zip",
    }
