"""The players in a real browser: what they draw, the keyboard, screen-reader text, axe-core.

Players made here from convlib.frames (the forward pass, both gradients, the flip at stride 2 and
dilation 2) are put on one page and opened in Debian's Chromium with Playwright. Every frame is
reached by keyboard and what the page draws is compared with the frames themselves: the table
text with ``fmt`` of the values (NaN blank, the minus sign for "-"), the highlighted, greyed and
hatched cells, the cells each box covers on screen with its numeral and line style, the live
region, the slider; a player and an explorer write negative numbers alike. axe-core
(installed by ``make test`` into ``_build/npm``) checks the page for WCAG 2.1 A/AA violations.
Skips like the other browser tests without Chromium, Playwright or axe-core, and fails under CI.
"""

import numpy as np
import pytest
from needs import AXE, missing, playwright_or_skip, under_ci

from convlib import frames, palette
from convlib.frames import fmt
from convlib.web import player
from convlib.web.explorer import explorer

pytestmark = pytest.mark.slow  # left out of `make unit`

playwright_or_skip("player browser tests")
if not AXE.exists():
    missing(
        f"no axe-core at {AXE}: run `make test` (it runs npm install axe-core)", required=under_ci()
    )

rng = np.random.default_rng(3)
X = rng.integers(-3, 4, size=(4, 5)).astype(float)
W = rng.integers(-2, 3, size=(2, 3)).astype(float)
DY = rng.integers(-2, 3, size=(3, 3)).astype(float) / 2  # halves: fmt writes "-0.5", "1.5"
# Title, frames: the book's four animations, the flip at stride 2 and dilation 2 (zeros inserted,
# padding, holes in the filter); one player without a title, named from its arrays.
ANIMATIONS = [
    ("Which output pixels read x[1, 2]?", frames.forward_frames(X, W)),
    ("Does w[1, 0] affect every output?", frames.weight_gradient_frames(X, DY[:3, :3], 1, 0)),
    ("Which weight meets x[2, 3] in box ③?", frames.input_gradient_frames(DY, W, 2, 3)),
    ("", frames.flip_frames(DY[:2, :2], W, stride=2, dilation=2)),
]
LINE = {"-": "solid", "--": "dashed", ":": "dotted"}
MINUS = "\u2212"


def shown(text):
    """A number as fmt writes it, as the page shows it: a leading hyphen becomes the minus sign."""
    return MINUS + text[1:] if text.startswith("-") else text


def said(text):
    """The live region's text with hyphens for its minus signs, to compare with a caption."""
    return text.replace(MINUS, "-")


# What the page draws for the shown frame of one player, read from the DOM and the layout.
READ = """root => [...root.querySelectorAll('.cvl-panel')].map(panel => {
  const table = panel.querySelector('table');
  const tds = [...table.tBodies[0].rows].map(tr => [...tr.cells].filter(c => c.tagName === 'TD'));
  const own = td => [...td.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('');
  const where = cls => tds.flatMap((row, i) => row.flatMap((td, j) =>
      td.classList.contains(cls) ? [[i, j]] : []));
  const boxes = [...table.querySelectorAll('.cvl-box')].map(b => {
    const rect = b.getBoundingClientRect();
    const covered = tds.flatMap((row, i) => row.flatMap((td, j) => {
      const r = td.getBoundingClientRect();
      const x = r.left + r.width / 2, y = r.top + r.height / 2;
      return x > rect.left && x < rect.right && y > rect.top && y < rect.bottom ? [[i, j]] : [];
    }));
    const style = getComputedStyle(b);
    return {covered, label: b.textContent, line: style.borderTopStyle,
            color: style.borderTopColor, width: parseFloat(style.borderTopWidth)};
  });
  return {
    title: table.caption.firstChild.data,
    said: table.caption.textContent,
    values: tds.map(row => row.map(own)),
    hi: where('cvl-hi'), muted: where('cvl-muted'), inserted: where('cvl-inserted'), boxes,
    digits: Math.min(...[...table.querySelectorAll('td, th')].map(
        c => parseFloat(getComputedStyle(c).fontSize))),
    bold: tds.flat().filter(td => td.classList.contains('cvl-hi')).every(
        td => getComputedStyle(td).fontWeight >= 700),
  };
})"""


def rgb(color):
    return "rgb({}, {}, {})".format(*(int(color[i : i + 2], 16) for i in (1, 3, 5)))


def expected(frame):
    """The frame's panels as READ must find them, written out from the frame's own fields."""
    out = []
    for p in frame.panels:
        boxes = []
        for b in p.boxes:
            color, line, _ = palette.BOX_STYLE.get(b.label, (palette.INK["blue"], "-", 0))
            cells = [[b.r + i, b.c + j] for i in range(b.height) for j in range(b.width)]
            boxes.append(
                {"covered": cells, "label": b.label, "line": LINE[line], "color": rgb(color)}
            )
        out.append(
            {
                "title": p.title,
                "values": [["" if np.isnan(v) else shown(fmt(v)) for v in row] for row in p.values],
                "hi": sorted([int(i), int(j)] for i, j in p.cells),
                "muted": sorted([int(i), int(j)] for i, j in p.muted),
                "inserted": sorted([int(i), int(j)] for i, j in p.inserted),
                "boxes": boxes,
            }
        )
    return out


def page_html(players):
    body = "".join(p.html for p in players)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Players</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><main><h1>Players</h1>{body}</main></body></html>"
    )


@pytest.fixture
def open_players(browser):
    """Opens a page of players (default: all of ANIMATIONS); returns (page, players, errors)."""
    contexts = []

    def open_page(animations=ANIMATIONS, viewport=(1280, 900), reduced_motion="no-preference"):
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, reduced_motion=reduced_motion
        )
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.route("**/*", lambda route: route.abort())  # a player needs nothing from outside
        players = [player.player(f, title=t, fps=20) for t, f in ANIMATIONS if (t, f) in animations]
        page.set_content(page_html(players))
        return page, players, errors

    yield open_page
    for context in contexts:
        context.close()


def group(page, title, animation):
    name = title or f"Animation in {len(animation)} frames of " + ", ".join(
        p.title for p in animation[0].panels
    )
    found = page.get_by_role("group", name=name, exact=True)
    assert found.count() == 1, name
    return found


@pytest.mark.parametrize("index", range(len(ANIMATIONS)), ids=[f"player{i}" for i in range(4)])
def test_every_frame_by_keyboard_draws_the_frame(open_players, index):
    title, animation = ANIMATIONS[index]
    page, players, errors = open_players()
    root = group(page, title, animation)
    n = len(animation)
    # Tab order inside the player: the five buttons, then the slider.
    root.get_by_role("button", name="First frame", exact=True).focus()
    order = []
    for _ in range(5):
        order.append(page.evaluate("document.activeElement.getAttribute('aria-label') || "
                                   "document.activeElement.textContent.trim()"))  # fmt: skip
        page.keyboard.press("Tab")
    assert order == ["First frame", "Previous frame", "▶ Play", "Next frame", "Last frame"]
    slider = root.get_by_role("slider", name="Frame", exact=True)
    assert page.evaluate("document.activeElement.className") == "cvl-scrub"
    status, count = root.locator(".cvl-status"), root.locator(".cvl-count")
    for k, frame in enumerate(animation):
        drawn = root.evaluate(READ)
        assert len(drawn) == len(frame.panels)
        for i, (panel, e) in enumerate(zip(drawn, expected(frame), strict=True)):
            where = f"frame {k + 1}, panel {i}"
            for key in ["title", "values", "hi", "muted", "inserted"]:
                assert panel[key] == e[key], f"{where}: {key}"
            assert [{key: b[key] for key in e_box} for b, e_box in
                    zip(panel["boxes"], e["boxes"], strict=True)] == e["boxes"], where  # fmt: skip
            assert panel["digits"] >= 11 and panel["bold"], where
            assert all(b["width"] >= 3 for b in panel["boxes"]), where
            for b in e["boxes"]:  # screen readers hear each window's numeral and cells
                label = f"window {b['label']}".strip()
                rows = f"rows {b['covered'][0][0]} to {b['covered'][-1][0]}"
                assert f"{label} over {rows}" in panel["said"], where
        assert said(status.text_content()) == f"Frame {k + 1} of {n}. {frame.caption}"
        assert status.get_attribute("aria-live") == "polite"
        assert slider.get_attribute("aria-valuetext") == f"Frame {k + 1} of {n}"
        assert slider.input_value() == str(k + 1) and count.text_content() == f"{k + 1} / {n}"
        page.keyboard.press("ArrowRight")
    assert count.text_content() == f"{n} / {n}"  # stays on the last frame
    page.keyboard.press("Home")
    assert count.text_content() == f"1 / {n}"
    page.keyboard.press("End")
    assert said(status.text_content()) == f"Frame {n} of {n}. {animation[-1].caption}"
    # The buttons by keyboard: Shift+Tab back to them, Enter and Space press them.
    for key, (button, frame) in [
        ("Enter", ("First frame", 1)), (" ", ("Next frame", 2)), ("Enter", ("Last frame", n)),
        ("Enter", ("Previous frame", n - 1)),
    ]:  # fmt: skip
        root.get_by_role("button", name=button, exact=True).focus()
        page.keyboard.press(key)
        assert count.text_content() == f"{frame} / {n}", button
    assert errors == []


def test_play_pauses_and_is_silent_while_playing(open_players):
    page, players, errors = open_players()
    title, animation = ANIMATIONS[3]
    root = group(page, title, animation)
    n = len(animation)
    status, count = root.locator(".cvl-status"), root.locator(".cvl-count")
    root.get_by_role("button", name="Play", exact=True).focus()
    page.keyboard.press("Enter")
    pause = root.get_by_role("button", name="Pause", exact=True)
    assert pause.count() == 1 and status.get_attribute("aria-live") == "off"
    page.wait_for_function(f"el => el.textContent !== '1 / {n}'", arg=count.element_handle())
    page.keyboard.press("Enter")  # pause: focus stayed on the button
    assert root.get_by_role("button", name="Play", exact=True).count() == 1
    assert status.get_attribute("aria-live") == "polite"
    k = int(count.text_content().split(" / ")[0])
    assert said(status.text_content()) == f"Frame {k} of {n}. {animation[k - 1].caption}"
    page.wait_for_timeout(200)
    assert count.text_content() == f"{k} / {n}"  # it stopped
    # Scrubbing or stepping while it plays goes where the reader asked, and stops there.
    for act, value, frame in [
        ("slider", "3", 3),
        ("First frame", None, 1),
        ("Last frame", None, n),
    ]:
        root.get_by_role("button", name="Play", exact=True).click()
        if act == "slider":
            root.get_by_role("slider", name="Frame").fill(value)
        else:
            root.get_by_role("button", name=act, exact=True).click()
        assert count.text_content() == f"{frame} / {n}", act
        assert root.get_by_role("button", name="Play", exact=True).count() == 1, act
        page.wait_for_timeout(150)
        assert count.text_content() == f"{frame} / {n}", act
    root.get_by_role("button", name="Play", exact=True).click()  # plays to the end and stops
    page.wait_for_function(f"el => el.textContent === '{n} / {n}'", arg=count.element_handle())
    root.get_by_role("button", name="Play", exact=True).wait_for()
    assert status.get_attribute("aria-live") == "polite"
    assert errors == []


def test_reduced_motion_means_nothing_moves_by_itself(open_players):
    page, players, errors = open_players(reduced_motion="reduce")
    for title, animation in ANIMATIONS:
        root = group(page, title, animation)
        assert root.get_by_role("button", name="Play").count() == 0  # hidden, out of the Tab order
        assert root.locator(".cvl-motion-note").is_visible()
        root.get_by_role("button", name="Next frame", exact=True).click()
        assert root.locator(".cvl-count").text_content() == f"2 / {len(animation)}"
    # The preference can change while a player plays: it stops at once.
    page, players, errors = open_players()
    title, animation = ANIMATIONS[3]
    root = group(page, title, animation)
    root.get_by_role("button", name="Play", exact=True).click()
    page.emulate_media(reduced_motion="reduce")
    shown = root.locator(".cvl-count").text_content()
    page.wait_for_timeout(300)  # 20 frames a second: six would have gone by
    assert root.locator(".cvl-count").text_content() == shown
    assert not root.locator("[data-act=play]").is_visible()
    assert root.locator(".cvl-status").get_attribute("aria-live") == "polite"
    assert errors == []


def test_the_script_runs_once_for_many_players(open_players):
    page, players, errors = open_players()
    assert page.locator("#cvl-style").count() == 1
    assert page.locator(".cvl-player[data-ready]").count() == len(ANIMATIONS)
    roots = [group(page, t, a) for t, a in ANIMATIONS]
    roots[0].get_by_role("button", name="Last frame", exact=True).click()
    assert roots[1].locator(".cvl-count").text_content().startswith("1 / ")  # independent
    assert page.locator(".cvl-panel").count() == sum(len(a[0].panels) for _, a in ANIMATIONS)
    assert errors == []


def test_players_and_explorer_write_negative_numbers_alike(browser):
    """The same numbers in a player and an explorer on one page read the same: "−3", "−1"."""
    x = np.array([[-3.0, 2.0], [0.0, -1.0]])
    page = browser.new_page()
    try:
        page.route("**/*", lambda route: route.abort())
        fragments = [
            player.player(frames.forward_frames(x, np.ones((1, 1)))),
            explorer(x=x, k1=1, k2=1),
        ]
        page.set_content(page_html(fragments))
        in_player = page.evaluate(
            "() => [...document.querySelectorAll('.cvl-player .cvl-panel')[0]"
            ".querySelectorAll('tbody td')].map(td => td.textContent)"
        )
        in_explorer = page.evaluate(
            "() => [...document.querySelector('.cvl-explorer table[data-array=x]')"
            ".querySelectorAll('td .cvl-v')].map(v => v.textContent)"
        )
        assert in_player == in_explorer == ["−3", "2", "0", "−1"]
        # Screen readers hear the same: the cell's text, the explorer's cell label.
        label = page.locator(".cvl-explorer td[data-key='x:0:0,0']").get_attribute("aria-label")
        assert label == "x[0, 0] = −3"
        caption = page.locator(".cvl-player .convlib-caption").text_content()
        assert caption == "y[0, 0] = sum of the 1 products = −3"
    finally:
        page.close()


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_axe_finds_no_wcag_violation(open_players, width):
    page, players, errors = open_players(viewport=(width, 900))
    for title, animation in ANIMATIONS:  # a frame with every kind of cell and box
        group(page, title, animation).get_by_role("button", name="Next frame").click()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
    assert violations == []
    assert len(result["passes"]) > 10  # it did run its checks


@pytest.mark.parametrize("width", [390, 320])
def test_readable_on_a_phone_without_page_scroll(open_players, width):
    page, players, errors = open_players(viewport=(width, 800))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for title, animation in ANIMATIONS:
        root = group(page, title, animation)
        for panel in root.evaluate(READ):
            assert panel["digits"] >= 11
        area = root.locator(".cvl-panels")
        box = root.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        # A frame wider than the player scrolls inside it, and then takes keyboard focus.
        scrolls = area.evaluate("el => el.scrollWidth > el.clientWidth + 1")
        assert (area.get_attribute("tabindex") == "0") == scrolls
    # The flip's padded grid (11 columns) does not fit 320 px: it scrolls, by keyboard too.
    flip = group(page, *ANIMATIONS[3]).locator(".cvl-panels")
    if width == 320:
        assert flip.get_attribute("tabindex") == "0"
        flip.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("el => el.scrollLeft > 0", arg=flip.element_handle())
    assert errors == []
