"""The built website in a real browser, as a reader meets it.

Serves ``_build/html`` on localhost and drives Debian's Chromium with Playwright. The pages load
MathJax from a CDN, which these tests serve from a local copy of the same npm package (``make
test`` installs it); every other request off this machine is refused, so a page that needs the
network fails here.

Without Chromium (or Playwright, or the MathJax copy) the tests skip and say how to install it;
under CI (``CI=true``) they fail instead, so CI can never pass without running them.
"""

import functools
import json
import re
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
import yaml
from needs import (
    KNOWN_THEME_MESSAGES,
    MATHJAX,
    MATHJAX_CDN,
    ROOT,
    SITE,
    missing,
    playwright_or_skip,
    under_ci,
)

pytestmark = pytest.mark.slow  # left out of `make unit`

SCREENSHOTS = ROOT / "_build" / "screenshots"
PAGE_SIZES = {}  # page -> bytes (HTML and images), reported at the end of the run


playwright_or_skip("browser tests")
if not (MATHJAX / "es5" / "tex-mml-chtml.js").exists():
    missing(
        f"no local MathJax at {MATHJAX}: run `make test` (it runs npm install mathjax@3)",
        required=under_ci(),
    )
if not (SITE / "index.html").exists():
    missing("the book is not built: run `make book`", required=under_ci())


def book_pages():
    """The site's pages in table-of-contents order, as paths relative to the site root."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return [f"{name}.html" for name in files]


PAGES = book_pages()
# The core chapters' animations: the forward window, one weight, boxes 1-3 and the flip.
ANIMATED = {
    f"chapters/{name}.html" for name in ["01_forward", "02_weight_gradient", "03_input_gradient"]
}


class Visit:
    """One page opened in a fresh tab, with what it logged and what it failed to load."""

    def __init__(self, browser, server, path, viewport=(1280, 900)):
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        self.errors, self.failed, self.refused = [], [], []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfailed", lambda request: self.failed.append(request.url))
        self.page.on(
            "response",
            lambda response: response.status >= 400 and self.failed.append(response.url),
        )
        self.page.route("**/*", functools.partial(self._route, server))
        self.page.goto(urljoin(server, path), wait_until="load")

    def _console(self, message):
        if message.type == "error":
            self.errors.append(message.text)

    def _route(self, server, route):
        url = route.request.url
        if url.startswith(server):
            route.continue_()
        elif url.startswith(MATHJAX_CDN):
            route.fulfill(path=MATHJAX / url[len(MATHJAX_CDN) :].split("?")[0])
        else:
            self.refused.append(url)
            route.abort()

    def unexpected_errors(self):
        return [e for e in self.errors if not any(known in e for known in KNOWN_THEME_MESSAGES)]

    def close(self):
        self.page.close()


@pytest.fixture
def visit(browser, server):
    opened = []

    def open_page(path, viewport=(1280, 900)):
        opened.append(Visit(browser, server, path, viewport))
        return opened[-1]

    yield open_page
    for v in opened:
        v.close()


def wait_for_math(page):
    """Wait until MathJax has typeset the page (pages without math return at once)."""
    page.wait_for_function(
        "() => !document.querySelector('.math, .amsmath') || "
        "(window.MathJax && MathJax.startup && MathJax.startup.promise && "
        "document.querySelector('mjx-container'))",
        timeout=20_000,
    )
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly(visit, path):
    v = visit(path)
    wait_for_math(v.page)
    assert v.unexpected_errors() == [], f"{path}: JavaScript errors"
    assert v.failed == [], f"{path}: requests to this site failed"
    assert not [u for u in v.refused if "mathjax" in u], f"{path}: MathJax not served"


@pytest.mark.parametrize("path", PAGES)
def test_math_is_typeset(visit, path):
    v = visit(path)
    wait_for_math(v.page)
    text = v.page.inner_text("article")
    for raw in ["$$", "\\sum", "\\frac", "\\partial", "\\begin{"]:
        assert raw not in text, f"{path}: raw TeX {raw!r} left in the visible text"
    if "chapters/" in path:
        assert v.page.locator("mjx-container").count() > 10, f"{path}: no typeset math"


@pytest.mark.parametrize("path", PAGES)
def test_animations_play_and_scrub(visit, path):
    v = visit(path)
    players = v.page.locator(".cvl-player")
    if path in ANIMATED:
        assert players.count() >= 1, f"{path} has lost its animation"
    for i in range(players.count()):
        player = players.nth(i)
        player.scroll_into_view_if_needed()
        slider = player.get_by_role("slider", name="Frame", exact=True)
        count, n = player.locator(".cvl-count"), int(slider.get_attribute("max"))
        caption, status = player.locator(".convlib-caption"), player.locator(".cvl-status")
        first = caption.inner_text()
        assert count.inner_text() == f"1 / {n}"
        assert player.locator(".cvl-panel td").count() > 0, f"{path}: player {i} draws nothing"
        if n == 1:
            continue
        player.get_by_role("button", name="Play", exact=True).click()
        v.page.wait_for_function(
            "el => el.textContent !== '1 / ' + el.textContent.split(' / ')[1]",
            arg=count.element_handle(),
            timeout=10_000,
        )
        assert caption.inner_text() != first, (
            f"{path}: player {i} does not change frame when played"
        )
        slider.fill(str(n))
        assert count.inner_text() == f"{n} / {n}"
        assert slider.get_attribute("aria-valuetext") == f"Frame {n} of {n}"
        last = caption.inner_text()
        slider.fill("1")
        assert caption.inner_text() == first and last != first, f"{path}: scrubbing fails"
        player.get_by_role("button", name="Next frame", exact=True).click()
        assert count.inner_text() == f"2 / {n}"
        assert status.text_content().startswith(f"Frame 2 of {n}. ")


@pytest.mark.parametrize("path", PAGES)
def test_solutions_open_on_click(visit, path):
    v = visit(path)
    solutions = v.page.locator(".solution.dropdown")
    if path.startswith("chapters/"):
        assert solutions.count() >= 3, f"{path}: fewer than 3 exercises with solutions"
    for i in range(solutions.count()):
        solution = solutions.nth(i)
        body = solution.locator("#solution-content")
        solution.scroll_into_view_if_needed()
        assert not body.is_visible(), f"{path}: solution {i} is open before any click"
        # sphinx-togglebutton's button, not the title, whose link leads to the exercise.
        solution.locator("button.toggle-button").click()
        body.wait_for(state="visible", timeout=5_000)


@pytest.mark.parametrize("path", PAGES)
def test_references_links_and_images_resolve(visit, server, path):
    v = visit(path)
    text = v.page.inner_text("article")
    assert "??" not in text, f"{path}: an unresolved cross-reference shows as ??"
    assert v.page.locator("article .xref.missing, article .problematic").count() == 0
    ids_by_page = {}
    for href in v.page.eval_on_selector_all("article a[href]", "els => els.map(e => e.href)"):
        if not href.startswith(server):
            continue
        target, anchor = urldefrag(href)
        relative = urlparse(target).path.lstrip("/") or "index.html"
        assert (SITE / relative).exists(), f"{path}: broken link to {relative}"
        if anchor and relative.endswith(".html"):
            if relative not in ids_by_page:
                html = (SITE / relative).read_text(encoding="utf-8")
                ids_by_page[relative] = set(re.findall(r'id="([^"]+)"', html))
            assert anchor in ids_by_page[relative], f"{path}: no #{anchor} in {relative}"
    for src, width in v.page.eval_on_selector_all(
        "article img", "els => els.map(e => [e.src, e.naturalWidth])"
    ):
        assert width > 0, f"{path}: image {src} does not load"


def test_launch_buttons_use_the_configured_repository(visit):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url, branch = config["repository"]["url"], config["repository"]["branch"]
    org_repo = urlparse(url).path.strip("/")
    for path in [p for p in PAGES if p.startswith("chapters/")]:
        v = visit(path)
        hrefs = v.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        notebook = path.replace(".html", ".ipynb")
        expected = {
            "Binder": f"{config['launch_buttons']['binderhub_url']}/v2/gh/{org_repo}/{branch}"
            f"?urlpath=lab/tree/{notebook}",
            "Colab": f"https://colab.research.google.com/github/{org_repo}/blob/{branch}/{notebook}",
            "JupyterHub": f"{config['launch_buttons']['jupyterhub_url']}/hub/user-redirect/",
            "source": url,
            "download": f"_sources/{notebook}",
        }
        for name, prefix in expected.items():
            assert any(prefix in h for h in hrefs), f"{path}: no {name} link like {prefix}"


@pytest.mark.parametrize("path", PAGES)
def test_screenshots(visit, path):
    """Desktop and phone screenshots for people to look at; page weights for the report."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = path.replace("/", "_").replace(".html", "")
    for label, viewport in {"desktop": (1280, 900), "phone": (390, 844)}.items():
        v = visit(path, viewport)
        wait_for_math(v.page)
        shot = SCREENSHOTS / f"{name}-{label}.png"
        v.page.screenshot(path=shot, full_page=True)
        assert shot.stat().st_size > 10_000
        if label == "phone":
            width = v.page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390 + 20, f"{path} scrolls sideways on a phone ({width} px wide)"
    html = (SITE / path).read_text(encoding="utf-8")
    images = set(re.findall(r'src="(?:\.\./)*(_images/[^"]+)"', html))
    PAGE_SIZES[path] = len(html.encode()) + sum((SITE / i).stat().st_size for i in images)
    (SCREENSHOTS / "page-sizes.json").write_text(json.dumps(PAGE_SIZES, indent=1))
