"""Settings shared by every tier of tests.

The tests sit in one folder per tier, by what they need (README, "Contributing"):
``unit/`` (the library alone), ``site/`` (the built editions' files), ``browser/`` (Chromium
against the built site and test pages), ``grading/`` (the autograder, as root), ``fresh/`` (fresh
environments: Binder-like, packaging, JupyterLab). Each test is marked with its tier's name, so
``pytest -m browser`` selects one; convlib's doctests count as unit tests. The helper modules here
(needs.py, strategies.py, lite_driver.py) and tests/data/ are shared by the tiers.

Hypothesis runs without per-example deadlines (the reference loops are slow);
``CONVLIB_HYPOTHESIS=quick`` (set by ``make unit``) draws fewer examples, and tests that set their
own count scale it with the profile (strategies.examples).
"""

import os
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

TESTS = Path(__file__).resolve().parent
TIERS = ("unit", "site", "browser", "grading", "fresh")
# The helper modules are imported by name from every tier's folder.
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

settings.register_profile(
    "default", deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("quick", parent=settings.get_profile("default"), max_examples=20)
settings.load_profile(os.environ.get("CONVLIB_HYPOTHESIS", "default"))


def tier_of(path):
    """The tier of a collected file: its folder under tests/, or unit for convlib's doctests."""
    path = Path(path).resolve()
    if not path.is_relative_to(TESTS):
        return "unit"
    parts = path.relative_to(TESTS).parts
    return parts[0] if len(parts) > 1 and parts[0] in TIERS else None


def pytest_ignore_collect(collection_path):
    """Conftest files are plugins, not modules to search for doctests (the tiers' share a name)."""
    if collection_path.name == "conftest.py":
        return True
    return None


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".py" and file_path.name.startswith("test_") and not tier_of(file_path):
        raise pytest.UsageError(
            f"{file_path} is in no tier: move it into one of tests/{{{','.join(TIERS)}}}/"
        )


def pytest_collection_modifyitems(items):
    for item in items:
        tier = tier_of(item.path)
        if tier:
            item.add_marker(tier)


_SESSION_START = []


def pytest_sessionstart(session):
    _SESSION_START.append(time.time())


def pytest_terminal_summary(terminalreporter):
    """Report the heaviest page of the built site, if the browser tests measured it just now."""
    import json

    sizes = TESTS.parent / "_build" / "screenshots" / "page-sizes.json"
    if sizes.exists() and sizes.stat().st_mtime >= _SESSION_START[0]:
        pages = json.loads(sizes.read_text())
        if pages:
            page, size = max(pages.items(), key=lambda item: item[1])
            terminalreporter.write_line(
                f"largest page: {page}, {size / 1e6:.2f} MB with its images "
                f"(screenshots in _build/screenshots/)"
            )
