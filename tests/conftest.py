"""Test settings: hypothesis runs without per-example deadlines (the reference loops are slow);
``CONVLIB_HYPOTHESIS=quick`` (set by ``make unit``) draws fewer examples."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("quick", parent=settings.get_profile("default"), max_examples=20)
settings.load_profile(os.environ.get("CONVLIB_HYPOTHESIS", "default"))


_SESSION_START = []


def pytest_sessionstart(session):
    import time

    _SESSION_START.append(time.time())


def pytest_terminal_summary(terminalreporter):
    """Report the heaviest page of the built site, if the browser tests measured it just now."""
    import json
    from pathlib import Path

    sizes = Path(__file__).resolve().parents[1] / "_build" / "screenshots" / "page-sizes.json"
    if sizes.exists() and sizes.stat().st_mtime >= _SESSION_START[0]:
        pages = json.loads(sizes.read_text())
        if pages:
            page, size = max(pages.items(), key=lambda item: item[1])
            terminalreporter.write_line(
                f"largest page: {page}, {size / 1e6:.2f} MB with its images "
                f"(screenshots in _build/screenshots/)"
            )
