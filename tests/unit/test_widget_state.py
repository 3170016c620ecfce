"""Pages that show no widget carry none of the widgets' saved state (tools/unused_widget_state.py).

The build saves the state of every widget a notebook made; the book's widget cells are removed
from the website, so that state would be dead weight (tens of kB on a chapter page).
"""

import sys

import pytest
from docutils import nodes
from needs import ROOT, site_or_skip

sys.path.insert(0, str(ROOT / "tools"))
from unused_widget_state import WIDGET_VIEW, drop_unused_state

STATE = "application/vnd.jupyter.widget-state+json"


class Env:
    def __init__(self, files):
        self.nb_metadata = {"page": {"js_files": files}}


class App:
    def __init__(self, files):
        self.env = Env(files)


def files():
    return {
        "ipywidgets_state": (None, {"type": STATE, "body": "{}"}),
        "ipywidgets_0": ("require.js", {}),
        "other": ("other.js", {}),
    }


def test_a_page_without_widget_views_loses_the_state_and_keeps_the_rest():
    app, doctree = App(files()), nodes.document(None, None)
    doctree += nodes.raw(text="<p>no widget</p>", format="html")
    drop_unused_state(app, doctree, "page")
    assert list(app.env.nb_metadata["page"]["js_files"]) == ["other"]


def test_a_page_that_shows_a_widget_keeps_its_state():
    app, doctree = App(files()), nodes.document(None, None)
    doctree += nodes.raw(text=f'<script type="{WIDGET_VIEW}">{{}}</script>', format="html")
    drop_unused_state(app, doctree, "page")
    assert app.env.nb_metadata["page"]["js_files"] == files()


@pytest.mark.slow
@pytest.mark.parametrize("edition", ["html", "student/html"])
def test_no_built_page_carries_unused_widget_state(edition):
    site = ROOT / "_build" / edition
    site_or_skip(site, "make book student")
    pages = [p for p in site.rglob("*.html") if "lite" not in p.relative_to(site).parts]
    assert len(pages) >= 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if WIDGET_VIEW not in text:
            assert STATE not in text, f"{page.relative_to(site)} carries unused widget state"
