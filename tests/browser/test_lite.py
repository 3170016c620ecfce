"""Every chapter in the site's JupyterLite app, in Chromium, as a reader meets it.

The built site (``make book``: the book and its app in ``_build/html/lite``) is served under a
sub-path; each chapter is opened from its page's JupyterLite launch button in a fresh browser
context and run top to bottom. A chapter fails on any error output, any cell that does not finish,
and any request that is not to this machine's server: Pyodide and every wheel must come from the
site itself. Then its players are played and its live widgets clicked, whose Python callbacks
run in the browser's Pyodide; and scikit-learn's digits are loaded, as a chapter training on them
will do.

Skips like the other browser tests when Chromium, Playwright or the build is missing, and fails
instead under CI or ``make test``.
"""

import json
import os

import pytest
from lite_driver import (
    LITE,
    NO_OTHER_HOSTS,
    ROOT,
    SITE,
    Guard,
    NotebookRun,
    SiteServer,
    chapter_pages,
    launch_link,
)
from needs import CHROMIUM, CHROMIUM_ARGS, missing, playwright_or_skip, site_or_skip

pytestmark = pytest.mark.slow  # left out of `make unit`

playwright_or_skip("JupyterLite tests")
site_or_skip(SITE, "make book")
if not (LITE / "index.html").exists():  # a site built before the app existed
    missing(
        f"{LITE} is not built: run `make book`",
        required=bool(os.environ.get("CONVLIB_REQUIRE_SITE")),
    )

CHAPTERS = chapter_pages()
# Matplotlib writes this to stderr once per fresh Pyodide, while it indexes its fonts; it is not
# an error. Any other stderr output fails the chapter.
KNOWN_STDERR = ("Matplotlib is building the font cache; this may take a moment.",)


def code_cells(chapter):
    notebook = json.loads((ROOT / chapter.replace(".html", ".ipynb")).read_text())
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def code_of(chapter):
    return "\n".join(code_cells(chapter))


WITH_WIDGETS = [c for c in CHAPTERS if "_widget(" in code_of(c)]


@pytest.fixture(scope="module")
def server():
    server = SiteServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser(playwright):
    """Chromium that resolves no host name but this machine's (tests/conftest.py's, with one flag
    more)."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, NO_OTHER_HOSTS]
    )
    yield browser
    browser.close()


class Runs:
    """Each chapter run once, on first use, in its own browser context, kept open until closed."""

    def __init__(self, browser, server):
        self.browser, self.server, self.open = browser, server, {}

    def __call__(self, chapter):
        if chapter not in self.open:
            context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
            guard = Guard(context, self.server.origin)
            page = context.new_page()
            url = launch_link(page, self.server, chapter)
            guard.reset()  # the book's page (MathJax: see test_browser.py), not the app
            self.open[chapter] = (context, guard, NotebookRun(page, url, timeout=300))
        return self.open[chapter]

    def close(self, chapter):
        self.open.pop(chapter)[0].close()


@pytest.fixture(scope="module")
def runs(browser, server):
    runs = Runs(browser, server)
    yield runs
    for chapter in list(runs.open):
        runs.close(chapter)


def test_every_chapter_is_in_the_app():
    for chapter in CHAPTERS:
        notebook = chapter.replace(".html", ".ipynb")
        assert (LITE / "files" / notebook).exists(), f"{notebook} is missing from the app"
    assert (LITE / "files" / "benchmarks" / "results.json").exists()


def test_launch_buttons_open_the_app_under_a_sub_path(browser, server):
    """Each chapter page links to the app with its notebook; the chapter runs below open it."""
    context = browser.new_context()
    Guard(context, server.origin)
    page = context.new_page()
    for chapter in CHAPTERS:
        notebook = chapter.replace(".html", ".ipynb")
        url = launch_link(page, server, chapter)
        assert url == f"{server.url}lite/lab/index.html?path={notebook}", chapter
        response = page.request.get(url)
        assert response.ok, f"{chapter}: the JupyterLite link answers {response.status}"
    context.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_in_the_browser(runs, chapter):
    _, guard, run = runs(chapter)
    page = run.page
    shown, expected = run.cells, len(code_cells(chapter))
    assert shown == expected, f"{chapter}: {shown} code cells shown, the notebook has {expected}"
    assert run.unfinished == [], f"{chapter}: cells {run.unfinished} did not finish"
    errors = [e for e in run.errors if e.strip() not in KNOWN_STDERR]
    assert errors == [], f"{chapter}: error output in JupyterLite:\n" + "\n".join(errors)
    assert guard.refused == [], f"{chapter}: requests to other servers: {guard.refused[:5]}"
    assert guard.failed == [], f"{chapter}: requests that failed: {guard.failed[:5]}"
    if "drawing." in code_of(chapter) or "plot_" in code_of(chapter):
        images = page.locator(".jp-OutputArea-output img, .jp-OutputArea-output svg")
        assert images.count() > 0, f"{chapter}: no figure shown inline"
    players = page.locator(".jp-OutputArea-output .cvl-player")
    for i in range(players.count()):
        player = players.nth(i)
        count = player.locator(".cvl-count")
        if count.inner_text().endswith(" 1"):
            continue  # a single frame: nothing to play
        player.scroll_into_view_if_needed()
        player.locator("[data-act=next]").click()
        assert count.inner_text().startswith("2 / "), f"{chapter}: player {i} does not step"
    if chapter not in WITH_WIDGETS:
        runs.close(chapter)  # pages with widgets stay open for the widget test


@pytest.mark.parametrize("chapter", WITH_WIDGETS)
def test_live_widgets_respond(runs, chapter):
    """Pressing a widget's play button steps its slider; the kernel redraws the view."""
    _, guard, run = runs(chapter)
    page = run.page
    views = page.locator(".jp-OutputArea-output:has(.widget-play)")
    assert views.count() > 0, f"{chapter}: no live widget shown"
    for i in range(views.count()):
        view = views.nth(i)
        caption = view.locator(".convlib-caption").first
        view.scroll_into_view_if_needed()
        first = caption.inner_text()
        view.locator(".widget-play button").first.click()
        for _ in range(100):  # the view's HTML is replaced at each step: read it again
            if caption.inner_text() != first:
                break
            page.wait_for_timeout(100)
        assert caption.inner_text() != first, f"{chapter}: widget {i} does not change when played"
        view.locator(".widget-play button").nth(1).click()  # pause
    assert guard.refused == [], f"{chapter}: requests to other servers: {guard.refused[:5]}"


def test_scikit_learn_and_its_digits_load_in_the_app(runs):
    """The app carries scikit-learn (with SciPy, joblib, threadpoolctl) and its bundled data."""
    chapter = (WITH_WIDGETS or CHAPTERS)[0]
    _, guard, run = runs(chapter)
    page = run.page
    page.locator(".jp-NotebookPanel .jp-Cell").last.click()
    page.keyboard.press("Escape")  # command mode: b adds a cell below, Enter edits it
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type("from sklearn.datasets import load_digits\n")
    page.keyboard.type("print(load_digits().images.shape)")
    page.keyboard.press("Control+Enter")  # run it, staying on it
    output = page.locator(".jp-NotebookPanel .jp-CodeCell.jp-mod-active .jp-OutputArea-output")
    output.first.wait_for(timeout=180_000)
    assert output.all_inner_texts() == ["(1797, 8, 8)\n"]
    assert guard.refused == [], f"requests to other servers: {guard.refused[:5]}"
