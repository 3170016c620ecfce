"""Figures are shown at the size they were drawn: in a 1280 px-wide window no content image of
either edition is scaled down, so its digits keep the size the figure test checks (11 px or
more; tests/unit/test_figures.py).

Needs the built editions (``make book student``) and Chromium; skips without them, or fails
where the run promises them (see tests/needs.py).
"""

from urllib.parse import urljoin

import pytest
import yaml
from needs import EDITIONS, ROOT, playwright_or_skip, site_or_skip

pytestmark = pytest.mark.slow  # left out of `make unit`

for _name, _site in EDITIONS.items():
    site_or_skip(_site, "make book" if _name == "default" else "make student")
playwright_or_skip("figure size tests")


def book_pages():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [f"{name}.html" for name in files]


@pytest.fixture(scope="module")
def page(browser):
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    # Only this machine: MathJax and the rest of the web are not needed to lay out images.
    tab.route("**/*", lambda route: _local_only(route))
    yield tab
    tab.close()


def _local_only(route):
    if route.request.url.startswith("http://127.0.0.1:"):
        route.continue_()
    else:
        route.abort()


SIZES = """() => [...document.querySelectorAll('article img')].map(img => ({
    src: img.getAttribute('src'), natural: img.naturalWidth,
    shown: img.getBoundingClientRect().width}))"""


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("path", book_pages())
def test_no_figure_is_scaled_down(page, servers, edition, path):
    page.goto(urljoin(servers[edition], path), wait_until="load")
    page.wait_for_function(
        "() => [...document.querySelectorAll('article img')].every(i => i.complete)"
    )
    images = page.evaluate(SIZES)
    assert all(image["natural"] > 0 for image in images), f"{path}: an image does not load"
    shrunk = [i for i in images if i["natural"] > i["shown"] + 1]
    assert not shrunk, (
        f"{path} ({edition}): images drawn wider than shown, their text scaled down: "
        + ", ".join(f"{i['src']} {i['natural']} px shown at {i['shown']:.0f}" for i in shrunk)
    )


def test_the_chapters_show_figures(page, servers):
    page.goto(urljoin(servers["default"], "chapters/03_input_gradient.html"), wait_until="load")
    assert len(page.evaluate(SIZES)) >= 3
