"""The files around the code keep up with it: make's targets and cache stamp, the pre-commit pin,
and the contributors' guide."""

import re
import shutil
import subprocess

import pytest
from needs import ROOT

MAKE = shutil.which("make")
needs_make = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def make(*args):
    run = subprocess.run(
        [MAKE, "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def phony_targets():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return [t for line in re.findall(r"^\.PHONY:(.*)$", makefile, flags=re.M) for t in line.split()]


@needs_make
def test_make_help_lists_every_target_on_one_line():
    lines = make("help").splitlines()
    listed = [line.split()[0] for line in lines]
    assert sorted(listed) == sorted(phony_targets()), lines
    assert len(listed) == len(set(listed)), lines
    for line in lines:
        assert len(line.split(maxsplit=1)) == 2, f"no description: {line!r}"


@needs_make
def test_the_cache_stamp_follows_every_source_the_book_runs():
    # make's own database, with the prerequisites expanded as make sees them.
    database = make("-pRrn", "help")
    rule = re.search(r"^_build/\.convlib-sources:(.*)$", database, flags=re.M)
    prerequisites = set(rule.group(1).split())
    sources = {
        p.relative_to(ROOT).as_posix()
        for pattern in ("convlib/**/*.py", "convlib/**/*.js", "convlib/**/*.css", "tools/*.py")
        for p in ROOT.glob(pattern)
    }
    expected = {"convlib/web/player.py", "convlib/web/js/player.js", "convlib/web/player.css"}
    assert expected | {"tools/build_lite.py"} <= sources
    assert not sources - prerequisites, f"not in the cache stamp: {sorted(sources - prerequisites)}"
    assert {"requirements.txt", "benchmarks/results.json"} <= prerequisites


def test_pre_commit_runs_the_ruff_that_make_lint_runs():
    pinned = re.search(
        r"^ruff==(\S+)$", (ROOT / "requirements-test.txt").read_text(), flags=re.M
    ).group(1)
    config = (ROOT / ".pre-commit-config.yaml").read_text()
    assert "repo: https://github.com/astral-sh/ruff-pre-commit" in config
    assert re.findall(r"^\s*rev: (\S+)$", config, flags=re.M) == [f"v{pinned}"]
    hooks = re.findall(r"^\s*- id: (\S+)$", config, flags=re.M)
    assert hooks == ["ruff-check", "ruff-format"], hooks


def test_the_contributors_guide_names_what_exists():
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for command in ("make unit", "make test", "make lint", "make help"):
        assert f"`{command}`" in guide, command
    for path in re.findall(r"`((?:tests|convlib|chapters)/[\w/.]+\.\w+)`", guide):
        if "NN" not in path:
            assert (ROOT / path).exists(), f"CONTRIBUTING.md names {path}, which does not exist"
    layout = (ROOT / "tests" / "unit" / "test_layout.py").read_text()
    for name in re.findall(r"`(test_\w+)`", guide):
        if name.startswith("test_") and "(" not in name:
            assert f"def {name}(" in layout or any(
                f"def {name}(" in p.read_text() for p in (ROOT / "tests").glob("*/test_*.py")
            ), f"CONTRIBUTING.md names the test {name}, which does not exist"
