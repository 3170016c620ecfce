"""The built website (``make book``): the animations are there in kernel-free form, pages are light.

``make test`` builds the book before running the tests and sets CONVLIB_REQUIRE_SITE=1, so these
run for real there; run alone without a build, they skip and say why.
"""

import json
import re

import pytest
from needs import ROOT, site_or_skip

pytestmark = pytest.mark.slow  # left out of `make unit`

SITE = ROOT / "_build" / "html"
site_or_skip(SITE, "make book")
CHAPTERS = sorted(p.stem for p in (SITE / "chapters").glob("*.html"))


def page(name):
    return (SITE / "chapters" / f"{name}.html").read_text(encoding="utf-8")


def players(html):
    """{element id: its frames, as sent to the page} of every kernel-free player on a page."""
    found = {}
    for match in re.finditer(r'<div class="cvl-player" id="([\w-]+)"', html):
        data = re.compile(r'<script type="application/json" class="cvl-data">(.*?)</script>', re.S)
        found[match.group(1)] = json.loads(data.search(html, match.end()).group(1))["frames"]
    return found


def test_input_gradient_page_plays_boxes_1_to_3_without_a_kernel():
    html = page("03_input_gradient")
    found = players(html)
    assert len(found) >= 3, found  # the boxes, a border pixel, the flip
    first, animation = next(iter(found.items()))
    assert len(animation) == 9  # an interior pixel of a 3x3 filter is in 9 windows
    labels = [box.get("label") for frame in animation for box in frame["panels"][0]["boxes"]]
    assert [label for label in labels if label] == ["①", "②", "③"]
    assert f'window.convlib.player(document.getElementById("{first}"))' in html


@pytest.mark.parametrize("name", ["01_forward", "02_weight_gradient"])
def test_other_chapters_have_their_animation(name):
    assert players(page(name)), f"{name} has no kernel-free animation"


def test_live_widgets_are_left_out_of_the_static_site():
    """Without a kernel a widget is a frozen picture with dead sliders: the players stand in."""
    for name in CHAPTERS:
        assert "widget-view+json" not in page(name), f"{name} shows a widget that cannot run there"


@pytest.mark.parametrize("name", CHAPTERS)
def test_pages_stay_light(name):
    """A chapter page with its images stays under 5 MB."""
    html = page(name)
    images = set(re.findall(r'src="\.\./(_images/[^"]+)"', html))
    size = len(html.encode()) + sum((SITE / image).stat().st_size for image in images)
    assert size < 5e6, f"{name}: {size / 1e6:.1f} MB with its {len(images)} images"


@pytest.mark.parametrize("name", CHAPTERS)
def test_pages_keep_to_the_html_budget(name):
    """A phone on a slow line: every chapter's HTML stays within 400 kB (images apart)."""
    size = len(page(name).encode())
    assert size <= 400_000, f"{name}: {size / 1000:.0f} kB of HTML"
