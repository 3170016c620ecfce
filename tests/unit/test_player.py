"""The kernel-free player: frames sent as data, controls named, colours from the palette.

The browser side (drawing, keyboard, live region, axe) is in test_player_browser.py.
"""

import html as html_lib
import json
import math
import re
import shutil
import subprocess

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convlib import frames, palette
from convlib.frames import Box, Frame, Panel, fmt
from convlib.web import player, svg

MINUS = "\u2212"


def shown(text):
    """A number as fmt writes it, as the page shows it: a leading hyphen becomes the minus sign."""
    return MINUS + text[1:] if text.startswith("-") else text


def boxes(rp=2, cp=3):
    rng = np.random.default_rng(0)
    dy = rng.integers(-2, 3, size=(4, 5)).astype(float)
    w = rng.integers(-2, 3, size=(3, 3)).astype(float)
    return frames.input_gradient_frames(dy, w, rp, cp)


def payload(html):
    """The JSON a player's page reads, taken from its HTML as the browser would."""
    (text,) = re.findall(
        r'<script type="application/json" class="cvl-data">(.*?)</script>', html, flags=re.S
    )
    return json.loads(text)


def resolved(data):
    """Each frame as {caption, panels: [(title, values, cells, boxes, muted, inserted)]}."""
    pool = data["pool"]
    out = []
    for frame in data["frames"]:
        panels = [
            (
                p["title"],
                pool[p["values"]],
                [tuple(c) for c in p["cells"]],
                [(b["r"], b["c"], b["height"], b["width"], b.get("label", "")) for b in p["boxes"]],
                [tuple(c) for c in pool[p["muted"]]] if "muted" in p else [],
                [tuple(c) for c in pool[p["inserted"]]] if "inserted" in p else [],
            )
            for p in frame["panels"]
        ]
        # The minus sign is for display: with hyphens back, the caption is the frame's own.
        out.append({"caption": frame["caption"].replace(MINUS, "-"), "panels": panels})
    return out


def expected(animation):
    """What the page must show of each frame, written out from the frames themselves."""
    out = []
    for frame in animation:
        panels = []
        for p in frame.panels:
            values = [[None if np.isnan(v) else shown(fmt(v)) for v in row] for row in p.values]
            panels.append(
                (
                    p.title,
                    values,
                    [(int(i), int(j)) for i, j in p.cells],
                    [(b.r, b.c, b.height, b.width, b.label) for b in p.boxes],
                    [(int(i), int(j)) for i, j in p.muted],
                    [(int(i), int(j)) for i, j in p.inserted],
                )
            )
        out.append({"caption": frame.caption.replace(MINUS, "-"), "panels": panels})
    return out


ANIMATIONS = {
    "forward": lambda: frames.forward_frames(np.arange(12.0).reshape(3, 4) - 5, np.eye(2)),
    "weight gradient": lambda: frames.weight_gradient_frames(
        np.arange(16.0).reshape(4, 4) / 4, np.array([[1.0, -2.0], [0.5, 3.0]]), 1, 0
    ),
    "input gradient": boxes,
    "flip, stride 2, dilation 2": lambda: frames.flip_frames(
        np.arange(1.0, 5.0).reshape(2, 2), np.arange(4.0).reshape(2, 2), stride=2, dilation=2
    ),
}


@pytest.mark.parametrize("name", ANIMATIONS)
def test_the_page_data_round_trips_to_the_frames(name):
    animation = ANIMATIONS[name]()
    p = player.player(animation, title=name)
    assert resolved(payload(p.html)) == expected(animation)
    data = payload(p.html)
    for i in range(len(animation[0].panels)):
        longest = max(
            (len(fmt(v)) for f in animation for v in f.panels[i].values.flat if not np.isnan(v)),
            default=1,  # a panel left blank in every frame
        )
        assert {f["panels"][i]["width"] for f in data["frames"]} == {longest}


def test_negative_numbers_are_shown_with_the_minus_sign():
    """As the explorer writes them: "−5", in the cells, the captions and the live region."""
    p = player.player(ANIMATIONS["forward"](), title="forward")
    data = payload(p.html)
    first = data["frames"][0]
    assert data["pool"][first["panels"][0]["values"]][0] == ["−5", "−4", "−3", "−2"]
    assert first["caption"] == "y[0, 0] = sum of the 4 products = −5"
    markup = p.html.split("<script")[0]
    assert '<span class="convlib-caption">y[0, 0] = sum of the 4 products = −5</span>' in markup
    assert not re.search(r"-\d", json.dumps(data, ensure_ascii=False))
    # A hyphen that is no sign stays: the panels' titles are unchanged.
    assert [q["title"] for q in first["panels"]][2] == "x[r+a, c+b] · w[a, b]"


def test_arrays_shared_by_frames_are_sent_once():
    animation = frames.flip_frames(np.ones((3, 3)), np.arange(9.0).reshape(3, 3), stride=2)
    data = player.player_data(animation)
    grids = {f["panels"][0]["values"] for f in data["frames"]}
    assert len(grids) == 1  # the padded dL/dy is the same in every frame
    assert len({f["panels"][0]["muted"] for f in data["frames"]}) == 1


finite = st.floats(-1e7, 1e7, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def random_frames(draw):
    """A few frames of one or two panels of random values, NaN cells, highlights and boxes."""
    shapes = [
        (draw(st.integers(1, 4)), draw(st.integers(1, 4))) for _ in range(draw(st.integers(1, 2)))
    ]
    out = []
    for _ in range(draw(st.integers(1, 3))):
        panels = []
        for h, w in shapes:
            cells = st.tuples(st.integers(0, h - 1), st.integers(0, w - 1))
            values = np.array(
                [[draw(st.one_of(finite, st.just(math.nan))) for _ in range(w)] for _ in range(h)]
            )
            r, c = draw(st.integers(0, h - 1)), draw(st.integers(0, w - 1))
            box = Box(r, c, draw(st.integers(1, h - r)), draw(st.integers(1, w - c)),
                      draw(st.sampled_from(["", "①", "②", "③", "①=③"])))  # fmt: skip
            panels.append(
                Panel(
                    draw(st.text(max_size=12)),
                    values,
                    cells=tuple(draw(st.lists(cells, max_size=4))),
                    boxes=(box,) if draw(st.booleans()) else (),
                    muted=tuple(draw(st.lists(cells, max_size=3))),
                    inserted=tuple(draw(st.lists(cells, max_size=3))),
                )
            )
        out.append(Frame(tuple(panels), draw(st.text(max_size=40)), 0.0))
    return out


@given(random_frames(), st.text(max_size=30))
def test_any_frames_round_trip_through_the_page(animation, title):
    before = [[p.values.copy() for p in f.panels] for f in animation]
    p = player.player(animation, title=title)
    assert resolved(payload(p.html)) == expected(animation)
    for f, arrays in zip(animation, before, strict=True):  # the frames are left as they were
        for panel, array in zip(f.panels, arrays, strict=True):
            np.testing.assert_array_equal(panel.values, array)
    # Whatever the text, nothing in it can end the data or the script early.
    data_start = p.html.index('class="cvl-data">')
    assert p.html.count("</script>") == 3
    assert "<" not in p.html[data_start + 17 : p.html.index("</script>", data_start)]


def test_controls_are_named_and_the_player_is_a_labelled_group():
    animation = boxes()
    title = "Which weight meets x[2, 3] in box ③?"
    p = player.player(animation, title=title)
    group = re.search(r'<div class="cvl-player" id="([\w-]+)" role="group" ([^>]*)>', p.html)
    assert group and group.group(1) == p.element_id
    assert f'aria-labelledby="{p.element_id}-title"' in group.group(2)
    assert f'<p class="cvl-title" id="{p.element_id}-title">{title}</p>' in p.html
    names = re.findall(r'data-act="(\w+)" aria-label="([^"]+)"', p.html)
    assert names == [
        ("first", "First frame"),
        ("prev", "Previous frame"),
        ("next", "Next frame"),
        ("last", "Last frame"),
    ]
    assert '<span class="cvl-play-text">Play</span>' in p.html  # its name, in words
    slider = re.search(r'<input type="range" class="cvl-scrub"([^>]*)>', p.html).group(1)
    assert 'min="1" max="9" value="1"' in slider
    assert 'aria-label="Frame" aria-valuetext="Frame 1 of 9"' in slider
    assert '<span class="cvl-count" aria-hidden="true">1 / 9</span>' in p.html
    live = re.search(r'<p class="cvl-status" ([^>]*)>(.*?)</p>', p.html)
    assert live.group(1) == 'aria-live="polite" aria-atomic="true"'
    assert html_lib.unescape(re.sub("<[^>]+>", "", live.group(2))) == (
        "Frame 1 of 9. " + animation[0].caption
    )
    shown = p.html.split("<script")[0]  # the markup, without the data
    assert shown.count(html_lib.escape(animation[0].caption)) == 1  # the caption, once
    assert 'data-interval="1000"' in p.html
    assert 'data-interval="250"' in player.player(animation, fps=4).html


def test_a_player_without_a_title_is_named_after_its_arrays():
    p = player.player(frames.forward_frames(np.ones((2, 2)), np.ones((1, 1))))
    assert 'aria-label="Animation in 4 frames of x, w, x[r+a, c+b] · w[a, b], y"' in p.html
    assert "cvl-title" not in p.html.split("<script")[0]


def test_ids_are_unique_on_a_page_and_stable_between_builds():
    a, b = player.player(boxes()), player.player(boxes())
    assert a.element_id != b.element_id
    assert a.element_id.rsplit("-", 1)[0] == b.element_id.rsplit("-", 1)[0]
    assert f'window.convlib.player(document.getElementById("{a.element_id}"))' in a.html


def test_the_script_is_inlined_from_its_source_files_in_order_and_fetches_nothing():
    names = [path.name for path in player.SCRIPTS]
    assert names == ["dom.js", "numbers.js", "arithmetic.js", "player.js", "explorer.js"]
    p = player.player(boxes())
    (script,) = re.findall(r'<script class="cvl-script">(.*?)</script>', p.html, flags=re.S)
    lines = script.splitlines()
    assert lines[:4] == [
        "(() => {",
        '"use strict";',
        "const convlib = (window.convlib = window.convlib || {});",
        "if (convlib.player) return;",  # a second copy on the page defines nothing again
    ]
    assert lines[-2] == "})();" and lines[-1].startswith("window.convlib.install({")
    # Every code line of every file, in the files' order, and nothing else in between.
    code = []
    for path in player.SCRIPTS:
        source = path.read_text(encoding="utf-8")
        without_comments = re.sub(r"^\s*/\*.*?\*/[ \t]*$", "", source, flags=re.S | re.M)
        code += [
            line.strip()
            for line in without_comments.splitlines()
            if line.strip() and not line.strip().startswith("//")
        ]
    assert lines[4:-2] == code
    # One element helper and one table renderer, for players and explorer alike.
    for definition in ["function el(", "function table(", "function fmt(", "function grid("]:
        assert script.count(definition) == 1, definition
    assert "var " not in script.replace("var(--", "")  # one dialect: const and let
    for fetch in ["http", "src=", "fetch(", "XMLHttpRequest", "import("]:
        assert fetch not in p.html


def test_the_players_colours_come_from_the_palette():
    for path in [*player.SCRIPTS, *player.STYLES]:
        source = path.read_text(encoding="utf-8")
        assert re.findall(r"#[0-9A-Fa-f]{3,6}\b", source) == [], path.name  # no colour copied
    script = player.page_script()
    for color in [*palette.INK.values(), *player.COLORS.values()]:
        assert color in script
    for label, (color, line, _) in palette.BOX_STYLE.items():
        name = next(k for k, v in palette.INK.items() if v == color)
        style = {"-": "solid", "--": "dashed", ":": "dotted"}[line]
        assert f'"{label}":{{"ink":"{name}","line":"{style}"' in script


def test_the_players_colours_pass_wcag_aa():
    c, ratio = player.COLORS, palette.contrast_ratio
    for fill in ["paper", "hi", "muted", "inserted"]:
        assert ratio(c["text"], c[fill]) >= 4.5, fill  # digits on every kind of cell
    assert ratio(c["index"], c["paper"]) >= 4.5
    assert ratio(c["rule"], c["paper"]) >= 3
    for color in {style[0] for style in palette.BOX_STYLE.values()} | {palette.INK["orange"]}:
        assert ratio(color, c["paper"]) >= 4.5  # box outlines and labels, the highlight's edge
        assert ratio(color, c["hi"]) >= 3  # next to a highlighted cell
    assert ratio(palette.INK["blue"], c["inserted"]) >= 3  # the diagonal of an inserted zero


def test_every_colour_the_stylesheets_use_is_set_from_the_palette():
    """A misspelt custom property would leave a cell without its colour, silently."""
    page = player._palette()
    defined = {f"--cvl-{name}" for name in page["vars"]} | {"--cw"}  # --cw: a table's cell width
    defined |= {f"--cvl-ink-{name.replace(' ', '-')}" for name in page["ink"]}
    defined |= {f"--cvl-fill-{name.replace(' ', '-')}" for name in page["fill"]}
    used = set()
    for path in player.STYLES:
        css = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"var\(\s*(--cvl-[\w-]+|--cw)\s*\)", css))
        # The theme's variables only where a fragment alone (Jupyter) has a fallback.
        for name, rest in re.findall(r"var\(\s*(--(?:pst|jp)-[\w-]+)\s*(.)", css):
            assert rest == ",", f"{path.name}: {name} has no fallback"
    assert used and used <= defined, used - defined
    assert {"--cvl-fill-sky-blue", "--cvl-fill-yellow", "--cvl-hi"} <= used
    assert "cvl-explorer" in page["css"] and "cvl-player" in page["css"]
    assert "/*" not in page["css"] and "\n" not in page["css"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_script_is_valid_javascript(tmp_path):
    texts = [(path.name, path.read_text()) for path in player.SCRIPTS]
    for name, text in [*texts, ("inline.js", player.page_script())]:
        path = tmp_path / name
        path.write_text(text)
        subprocess.run(["node", "--check", str(path)], check=True, capture_output=True)


def test_bad_arguments():
    good = boxes()
    with pytest.raises(ValueError, match="frames must be a non-empty sequence.*got none"):
        player.player([])
    with pytest.raises(TypeError, match="frames must be a sequence of convlib.frames.Frame, got"):
        player.player(good[0])
    with pytest.raises(TypeError, match=r"frames\[1\] must be a convlib.frames.Frame, got str"):
        player.player([good[0], "frame"])
    for fps in [0, -1, math.nan, math.inf, True, "2"]:
        with pytest.raises(ValueError, match=f"fps must be a positive number, got {fps!r}"):
            player.player(good, fps=fps)
    with pytest.raises(TypeError, match="title must be a str, got int"):
        player.player(good, title=3)
    panel = good[0].panels[1]
    bad = {
        r"panels\[0\].values must be a non-empty 2-D array, got \(3,\)": Panel("v", np.ones(3)),
        r"panels\[0\].values must be finite or NaN": Panel("v", np.full((2, 2), np.inf)),
        r"panels\[0\].cells must be \(row, column\) pairs inside \(3, 3\), got \(3, 0\)": Panel(
            "w", panel.values, cells=((3, 0),)
        ),
        r"panels\[0\].boxes must lie inside the panel's \(3, 3\) cells": Panel(
            "w", panel.values, boxes=(Box(1, 1, 3, 1),)
        ),
        r"panels\[0\].muted must be \(row, column\) pairs": Panel(
            "w", panel.values, muted=((0, -1),)
        ),
        r"panels\[0\] must be a convlib.frames.Panel, got ndarray": np.ones((2, 2)),
    }
    for message, wrong in bad.items():
        with pytest.raises((ValueError, TypeError), match=r"frames\[0\]\." + message):
            player.player([Frame((wrong,), "c", 0.0)])
    with pytest.raises(TypeError, match="frame must be a convlib.frames.Frame, got str"):
        svg.frame_svg("frame")


def test_the_svg_frames_draw_lines_and_labels_in_ink():
    """The widgets' SVG: outlines and labels in the darker shades that reach 4.5:1 on white."""
    drawn = svg.frame_svg(boxes()[-1])  # box ③
    color = palette.BOX_STYLE["③"][0]
    assert color == palette.INK["bluish green"]
    assert f'stroke="{color}" stroke-dasharray="2 3"' in drawn
    assert f'class="cvl-label" style="fill:{color}">③</text>' in drawn
    for light in ["#E69F00", "#009E73", "#56B4E9"]:  # Okabe and Ito's, too light for lines
        assert f'stroke="{light}"' not in drawn and f"fill:{light}}}" not in drawn
