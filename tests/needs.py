"""What the site, browser and JupyterLab tests need, and what they do when it is missing.

Without it they skip and say how to get it; where the run promises to have it they fail instead:
``CI=true`` for the browser (Chromium, Playwright, MathJax) and for root (the autograder runs
students' code as other users), ``CONVLIB_REQUIRE_SITE=1`` (set by ``make test`` after
building) for the built sites.
"""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# These flags keep Chromium from calling home, which the project's machines' network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SITE = ROOT / "_build" / "html"
# Both editions of the book: `make book` builds the default one, `make student` the student one.
EDITIONS = {"default": SITE, "student": ROOT / "_build" / "student" / "html"}
# npm's copies of MathJax (served in place of its CDN) and axe-core; `make test` installs both.
NPM = ROOT / "_build" / "npm" / "node_modules"
MATHJAX = Path(os.environ.get("CONVLIB_MATHJAX", NPM / "mathjax"))
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/"
AXE = Path(os.environ.get("CONVLIB_AXE", NPM / "axe-core")) / "axe.min.js"
# Logged on every page of a default Jupyter Book 1 site by the theme stack itself, not by the book.
KNOWN_THEME_MESSAGES = (
    "Identifier 'THEBE_JS_URL' has already been declared",
    "Got invalid theme mode",
)


def missing(reason, *, required):
    """Skip the calling test module, or fail it when the run promised what is missing."""
    if required:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def under_ci():
    return os.environ.get("CI", "").lower() == "true"


def playwright_or_skip(what):
    """``sync_playwright``, once Chromium and Playwright are found; ``what`` names the tests."""
    if CHROMIUM is None:
        missing(
            f"{what}: no Chromium found: install Debian's, e.g. `sudo apt-get install chromium`",
            required=under_ci(),
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing(
            f"{what}: Playwright is not installed: `pip install -r requirements-test.txt`",
            required=under_ci(),
        )
    return sync_playwright


def site_or_skip(site, command):
    """Skip (or fail, under CONVLIB_REQUIRE_SITE) unless ``site`` has been built by ``command``."""
    if not (site / "index.html").exists():
        missing(
            f"{site} is not built: run {command}",
            required=bool(os.environ.get("CONVLIB_REQUIRE_SITE")),
        )


def root_or_skip(what):
    """Skip (or fail, under CI) unless this runs as root, as grading students' code needs."""
    if os.geteuid() != 0:
        missing(
            f"{what}: the grader runs students' code as other users, which needs root: "
            "run the tests as root (sudo)",
            required=under_ci(),
        )
