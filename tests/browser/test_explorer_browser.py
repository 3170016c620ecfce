"""The explorer in Chromium, compared grid by grid with convlib computed in Python.

A test page holds explorers written by :func:`convlib.web.explorer.explorer`; nothing is loaded from
elsewhere (every request off the page is refused). The sweep sets a few hundred settings through
the page's test hook, reads every grid the page shows back from the DOM (the digits a reader sees)
and recomputes y, dL/dw, dL/dx, the padded dL/dy and flip(w) with convlib from the x, w and dL/dy
read from the same page: they must agree exactly. Other tests drive the controls and cells by
keyboard, read the written-out sums and the live region, check the no-output message, the page at
390 px wide, and run axe-core (npm ``axe-core``, installed by ``make test``).
"""

import itertools
import random
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from needs import (
    AXE,
    KNOWN_THEME_MESSAGES,
    MATHJAX,
    MATHJAX_CDN,
    SITE,
    missing,
    playwright_or_skip,
    site_or_skip,
    under_ci,
)

import convlib
from convlib.web.explorer import LIMITS, MODE_LABELS, explorer

pytestmark = pytest.mark.slow  # left out of `make unit`

playwright_or_skip("explorer browser tests")
MINUS = "\u2212"

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Explorer test page</title></head>
<body style="margin:0;padding:8px"><main><h1>Explorer</h1>{body}</main></body></html>"""

# Reads every grid of one explorer: array name, channel, and the numbers shown in its cells.
READ = """root => {
  const grids = [];
  root.querySelectorAll("table.cvl-grid").forEach(table => {
    const rows = [];
    const pad = [];
    for (const tr of table.rows) {
      rows.push([...tr.cells].map(td => td.querySelector(".cvl-v").textContent));
      pad.push([...tr.cells].map(td => td.classList.contains("cvl-pad")));
    }
    grids.push({array: table.dataset.array, channel: table.dataset.channel, rows, pad});
  });
  return {grids, message: root.querySelector(".cvl-x-message").textContent,
          settings: root.cvlExplorer.settings()};
}"""


def number(text):
    return int(text.replace(MINUS, "-"))


def open_page(browser, explorers, viewport=(1280, 900)):
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.route("**/*", lambda route: route.abort())  # no network: everything is in the page
    page.set_content(PAGE.format(body="".join(e.html for e in explorers)))
    page.errors = errors
    return page


@pytest.fixture
def page(browser):
    opened = []

    def make(*explorers, viewport=(1280, 900)):
        opened.append(open_page(browser, explorers, viewport))
        return opened[-1]

    yield make
    for p in opened:
        assert p.errors == [], f"JavaScript errors: {p.errors}"
        p.close()


def shown(state):
    """{(array, channel): int array} of every grid the page shows."""
    return {
        (g["array"], g["channel"]): np.array(
            [[number(v) for v in row] for row in g["rows"]], dtype=np.int64
        ).reshape(len(g["rows"]), -1)
        for g in state["grids"]
    }


def stack(grids, name, channels):
    return np.stack([grids[(name, ",".join(map(str, ch)))] for ch in channels])


def check_against_convlib(state, typed=None):
    """Every grid shown agrees with convlib on the x, w and dL/dy shown beside it."""
    st, grids = state["settings"], shown(state)
    cin, cout = st["cin"], st["cout"]
    H, W, k1, k2 = st["H"], st["W"], st["k1"], st["k2"]
    params = dict(
        stride=(st["s1"], st["s2"]), padding=(st["p1"], st["p2"]), dilation=(st["d1"], st["d2"])
    )
    N1 = convlib.output_size(H, k1, st["s1"], st["p1"], st["d1"])
    N2 = convlib.output_size(W, k2, st["s2"], st["p2"], st["d2"])
    ins, outs = [(i,) for i in range(cin)], [(o,) for o in range(cout)]
    pairs = list(itertools.product(range(cout), range(cin)))
    names = {name for name, _ in grids}
    expected_names = {
        "forward": {"x", "w", "y"},
        "grad_w": {"x", "dy", "dw"},
        "grad_x": {"dy", "w", "z", "f", "dx"},
    }[st["mode"]]
    if N1 < 1 or N2 < 1:
        assert state["message"].startswith("No output"), state["message"]
        assert names == expected_names & {"x", "w"}, names
        return
    assert state["message"] == "", state["message"]
    assert names == expected_names, (st, names)
    arrays = {}
    if "x" in names:
        xp = stack(grids, "x", ins)
        p1, p2 = params["padding"]
        assert xp.shape == (cin, H + 2 * p1, W + 2 * p2)
        x = xp[:, p1 : p1 + H, p2 : p2 + W]
        ring = xp.copy()
        ring[:, p1 : p1 + H, p2 : p2 + W] = 0
        assert not ring.any(), "the padding must show zeros"
        arrays["x"] = x
    if "w" in names:
        arrays["w"] = stack(grids, "w", pairs).reshape(cout, cin, k1, k2)
    if "dy" in names:
        arrays["dy"] = stack(grids, "dy", outs)
        assert arrays["dy"].shape == (cout, N1, N2)
    if typed:
        for name, index, value in typed:
            assert arrays[name][index] == value, (name, index, arrays[name][index], value)
    f64 = {k: v.astype(np.float64) for k, v in arrays.items()}
    if st["mode"] == "forward":
        y = convlib.conv2d(f64["x"][None], f64["w"], **params)[0]
        assert np.array_equal(stack(grids, "y", outs), y), st
    elif st["mode"] == "grad_w":
        dw = convlib.conv2d_grad_w(f64["x"][None], f64["dy"][None], (cout, cin, k1, k2), **params)
        assert np.array_equal(stack(grids, "dw", pairs).reshape(dw.shape), dw), st
    else:
        dx = convlib.conv2d_grad_x(f64["dy"][None], f64["w"], (1, cin, H, W), **params)[0]
        assert np.array_equal(stack(grids, "dx", ins), dx), st
        assert np.array_equal(
            stack(grids, "f", pairs).reshape(cout, cin, k1, k2), convlib.flip(arrays["w"])
        )
        (s1, s2), (d1, d2) = params["stride"], params["dilation"]
        z = np.zeros((cout, s1 * (N1 - 1) + 1, s2 * (N2 - 1) + 1), dtype=np.int64)
        z[:, ::s1, ::s2] = arrays["dy"]
        span = (d1 * (k1 - 1), d2 * (k2 - 1))
        zp = np.pad(z, ((0, 0), (span[0], span[0]), (span[1], span[1])))
        assert np.array_equal(stack(grids, "z", outs), zp), st
        # The book's derivation: the flipped, dilated filter over z padded gives dL/dx_p.
        reached = convlib.conv2d(
            zp[None].astype(float), convlib.flip(f64["w"]).swapaxes(0, 1), dilation=(d1, d2)
        )[0]
        dxp = np.zeros((cin, H + 2 * params["padding"][0], W + 2 * params["padding"][1]))
        dxp[:, : reached.shape[1], : reached.shape[2]] = reached[:, : dxp.shape[1], : dxp.shape[2]]
        p1, p2 = params["padding"]
        assert np.array_equal(dxp[:, p1 : p1 + H, p2 : p2 + W], dx), st


def sweep_settings(count=300, seed=0):
    """Settings covering every mode, strides 1-3, paddings 0-2, dilations 1-2, non-square
    sizes and 1-3 channels (every combination of mode, stride, padding and dilation at least
    once), with random sizes and seeds."""
    rng = random.Random(seed)
    combos = list(itertools.product(["forward", "grad_w", "grad_x"], [1, 2, 3], [0, 1, 2], [1, 2]))
    out = []
    for k in range(count):
        mode, s, p, d = combos[k] if k < len(combos) else rng.choice(combos)
        out.append(
            {
                "mode": mode,
                "H": rng.randint(1, 9),
                "W": rng.randint(1, 9),
                "k1": rng.randint(1, 4),
                "k2": rng.randint(1, 4),
                "s1": s,
                "s2": rng.choice([1, 2, 3]),
                "p1": p,
                "p2": rng.choice([0, 1, 2]),
                "d1": d,
                "d2": rng.choice([1, 2]),
                "cin": rng.randint(1, 3),
                "cout": rng.randint(1, 3),
                "seed": rng.randint(0, 10_000),
            }
        )
    return out


def test_sweep_matches_convlib(page):
    p = page(explorer())
    root = p.locator(".cvl-explorer").element_handle()
    settings = sweep_settings()
    no_output = 0
    for st in settings:
        state = p.evaluate(
            f"([root, s]) => {{ root.cvlExplorer.set(s); return ({READ})(root); }}", [root, st]
        )
        assert {k: state["settings"][k] for k in st} == st
        check_against_convlib(state)
        no_output += state["message"].startswith("No output")
    assert 0 < no_output < len(settings) // 2, no_output  # both cases were met


def test_sweep_with_arrays_from_python(page):
    """Numbers given from Python (the preset's and large typed ones) are the ones computed with."""
    rng = np.random.default_rng(5)
    explorers = []
    for mode, s, p_, d in itertools.product(
        ["forward", "grad_w", "grad_x"], [1, 3], [0, 2], [1, 2]
    ):
        x = rng.integers(-99, 100, size=(2, 7, 6))
        w = rng.integers(-99, 100, size=(3, 2, 2, 3))
        N1, N2 = (convlib.output_size(n, k, s, p_, d) for n, k in [(7, 2), (6, 3)])
        dy = rng.integers(-99, 100, size=(3, N1, N2))
        explorers.append(explorer(mode=mode, x=x, w=w, dy=dy, stride=s, padding=p_, dilation=d))
    p = page(*explorers)
    roots = p.locator(".cvl-explorer")
    assert roots.count() == len(explorers)
    for i, e in enumerate(explorers):
        state = roots.nth(i).evaluate(READ)
        check_against_convlib(state)
        grids = shown(state)
        if "w" in {name for name, _ in grids}:
            w = np.array(e.settings["w"])
            assert np.array_equal(
                stack(grids, "w", [(o, j) for o in range(3) for j in range(2)]).reshape(w.shape), w
            )


def test_preset_menu_sets_the_chapters_examples(page):
    p = page(explorer())
    root = p.locator(".cvl-explorer")
    for name in ["forward", "weight-gradient", "input-gradient", "stride", "dilation", "edge"]:
        root.locator("select[data-setting=preset]").select_option(name)
        state = root.evaluate(READ)
        check_against_convlib(state)
        spec = explorer(name).settings
        assert state["settings"]["mode"] == spec["mode"]
        symbol = {v: k for k, v in NAMES.items()}[spec["focus"][0]]
        cell = f"{symbol}[{spec['focus'][-2]}, {spec['focus'][-1]}] = "
        assert root.locator(".cvl-x-sum").inner_text().startswith(cell), name
        grids = shown(state)
        if ("x", "0") in grids:
            p1, p2 = spec["p1"], spec["p2"]
            x = grids[("x", "0")][p1 : p1 + spec["H"], p2 : p2 + spec["W"]]
            assert x.tolist() == spec["x"][0], name


def test_input_gradient_sum_of_chapter_3(page):
    """dL/dx[2, 3] of chapter 3 is -8: written out term by term, boxes 1 to 3 marked."""
    p = page(explorer("input-gradient"))
    root = p.locator(".cvl-explorer")
    text = root.locator(".cvl-x-sum").inner_text()
    assert text.startswith("\u2202L/\u2202x[2, 3] = \u2202L/\u2202y[0, 1]\u00b7w[2, 2] + ")
    assert text.endswith(f"= {MINUS}8."), text
    check_sum(root.evaluate(READ), text)
    marks = root.locator("table[data-array=dy] .cvl-mark[data-box]")
    boxes = sorted(marks.nth(i).get_attribute("data-box") for i in range(marks.count()))
    assert boxes == ["\u2460", "\u2461", "\u2462"], boxes
    labels = root.locator("table[data-array=dy] td[aria-label*=box]")
    assert labels.count() == 3 and labels.first.get_attribute("aria-label").endswith(", box \u2460")
    assert root.locator("table[data-array=dy] td.cvl-box2").count() == 1


SUM = re.compile(r"^(.+?)\[([\d, ]+)\] = (.+) = (.+) = (\S+?)(?: \(.*\))?\.$")
EMPTY = re.compile(r"^(.+?)\[([\d, ]+)\] = 0: (every term reads the padding|no window).*\.$")
TERM = re.compile(r"^(.+?)\[([\d, ]+)\]\u00b7(.+?)\[([\d, ]+)\]$")
NAMES = {
    "x": "x",
    "w": "w",
    "\u2202L/\u2202y": "dy",
    "y": "y",
    "\u2202L/\u2202w": "dw",
    "\u2202L/\u2202x": "dx",
}


def check_sum(state, text):
    """The written-out sum: its terms are the definition's, its numbers the page's, its total
    convlib's."""
    st, grids = state["settings"], shown(state)
    empty = EMPTY.match(text)
    match = empty or SUM.match(text)
    assert match, text
    name, index = NAMES[match[1]], tuple(int(i) for i in match[2].split(", "))
    multi = st["cin"] > 1 or st["cout"] > 1
    assert not multi, "these checks use one channel"
    p1, p2 = st["p1"], st["p2"]
    s, d = (st["s1"], st["s2"]), (st["d1"], st["d2"])

    def value(arr, idx):
        if arr == "x":
            return grids[("x", "0")][idx[0] + p1, idx[1] + p2]
        return grids[(arr, "0,0" if arr in ("w", "dw") else "0")][idx]

    symbols, numbers = [], []
    if not empty:
        symbols = match[3].split(" + ")
        for product in match[4].split(" + "):
            left, right = product.split("\u00b7")
            numbers.append(number(left.strip("()")) * number(right.strip("()")))
    assert len(symbols) == len(numbers)
    total = 0 if empty else number(match[5])
    assert sum(numbers) == total == value(name, index), text
    found = set()
    for sym, prod in zip(symbols, numbers, strict=True):
        t = TERM.match(sym)
        a_name, a_idx = NAMES[t[1]], tuple(int(i) for i in t[2].split(", "))
        b_name, b_idx = NAMES[t[3]], tuple(int(i) for i in t[4].split(", "))
        assert value(a_name, a_idx) * value(b_name, b_idx) == prod, sym
        found.add((a_name, a_idx, b_name, b_idx))
    # The terms the definition y[r, c] = sum x_p[s r + d a, s c + d b] w[a, b] gives (inside x).
    k1, k2, H, W = st["k1"], st["k2"], st["H"], st["W"]
    N1 = convlib.output_size(H, k1, s[0], p1, d[0])
    N2 = convlib.output_size(W, k2, s[1], p2, d[1])
    expected = set()
    for r, c, a, b in itertools.product(range(N1), range(N2), range(k1), range(k2)):
        xi = (s[0] * r + d[0] * a - p1, s[1] * c + d[1] * b - p2)
        if not (0 <= xi[0] < H and 0 <= xi[1] < W):
            continue
        if name == "y" and (r, c) == index:
            expected.add(("x", xi, "w", (a, b)))
        if name == "dw" and (a, b) == index:
            expected.add(("dy", (r, c), "x", xi))
        if name == "dx" and xi == index:
            expected.add(("dy", (r, c), "w", (a, b)))
    assert found == expected, (text, expected - found, found - expected)


@pytest.mark.parametrize(
    "settings",
    [
        dict(mode="forward", H=6, W=7, k1=3, k2=2, stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
        dict(mode="grad_w", H=7, W=5, k1=2, k2=3, stride=(1, 2), padding=(2, 0), dilation=(1, 2)),
        dict(mode="grad_x", H=8, W=7, k1=3, k2=3, stride=(2, 3), padding=(1, 1), dilation=(2, 1)),
        dict(mode="grad_x", H=5, W=5, k1=3, k2=2, stride=3, padding=0, dilation=1),
    ],
)
def test_written_out_sums_match_convlib(page, settings):
    p = page(explorer(seed=7, **settings))
    root = p.locator(".cvl-explorer")
    out = {"forward": "y", "grad_w": "dw", "grad_x": "dx"}[settings["mode"]]
    cells = root.locator(f"table[data-array={out}] td")
    checked = 0
    for i in range(cells.count()):
        cells.nth(i).focus()
        text = root.locator(".cvl-x-sum").inner_text()
        check_sum(root.evaluate(READ), text)
        checked += 1
    assert checked >= 4


def test_keyboard_grids_and_live_region(page):
    p = page(explorer("input-gradient"))
    root = p.locator(".cvl-explorer")
    live = root.locator("[aria-live=polite]")
    assert live.count() == 1 and live.get_attribute("class") == "cvl-x-sum"
    grid = root.locator("table[data-array=dx]")
    assert grid.get_attribute("role") == "grid" and grid.get_attribute("aria-label")
    assert grid.locator("td[tabindex='0']").count() == 1  # one Tab stop per grid
    grid.locator("td").first.focus()
    before = live.inner_text()
    assert before.startswith("\u2202L/\u2202x[0, 0] = ")
    for key, (r, c) in [
        ("ArrowRight", (0, 1)),
        ("ArrowDown", (1, 1)),
        ("End", (1, 6)),
        ("PageDown", (5, 6)),
        ("Home", (5, 0)),
        ("ArrowLeft", (5, 0)),
        ("PageUp", (0, 0)),
    ]:
        p.keyboard.press(key)
        focused = p.evaluate(
            "() => [document.activeElement.dataset.row, document.activeElement.dataset.col]"
        )
        assert focused == [str(r), str(c)], key
        assert live.inner_text().startswith(f"\u2202L/\u2202x[{r}, {c}] = "), key
        assert grid.locator("td[tabindex='0']").count() == 1
    # Tab leaves the grid for the next control or grid, Shift+Tab comes back to the same cell.
    p.keyboard.press("ArrowDown")
    p.keyboard.press("Tab")
    assert p.evaluate("() => document.activeElement.closest('table[data-array=dx]')") is None
    p.keyboard.press("Shift+Tab")
    assert p.evaluate("() => document.activeElement.dataset.key") == "dx:0:1,0"
    # Tab order: controls, then one stop per grid.
    stops = []
    p.locator("body").focus()
    p.evaluate("() => document.activeElement.blur()")
    for _ in range(60):
        p.keyboard.press("Tab")
        stops.append(
            p.evaluate(
                "() => { const e = document.activeElement; "
                "const t = e.closest('table'); return t ? 'grid:' + "
                "t.dataset.array : e.tagName + ':' + (e.dataset.setting || "
                "e.getAttribute('aria-label') || e.type || '') }"
            )
        )
    grids_in_order = [s for s in stops if s.startswith("grid:")]
    assert grids_in_order[:5] == ["grid:dy", "grid:w", "grid:z", "grid:f", "grid:dx"], stops


def test_typing_values_by_keyboard(page):
    p = page(explorer(mode="grad_x", H=5, W=6, k1=2, k2=3, stride=2, padding=1, seed=4))
    root = p.locator(".cvl-explorer")
    typed = []
    for array, key, text in [("w", "w:0,0:1,2", "-7"), ("dy", "dy:0:1,1", "12")]:
        root.locator(f"td[data-key='{key}']").focus()
        p.keyboard.type(text)
        p.keyboard.press("Enter")
        rc = tuple(int(i) for i in key.split(":")[2].split(","))
        channels = (0, 0) if array == "w" else (0,)
        typed.append((array, (*channels, *rc), int(text)))
        assert p.evaluate("() => document.activeElement.dataset.key") == key
    state = root.evaluate(READ)
    check_against_convlib(state, typed)
    # x in the weight-gradient mode, then a value the page refuses.
    root.locator("input[value=grad_w]").check()
    root.locator("td[data-key='x:0:1,1']").focus()  # x[0, 0] inside the padding ring
    p.keyboard.type("5")
    p.keyboard.press("Enter")
    check_against_convlib(root.evaluate(READ), [("x", (0, 0, 0), 5)])
    root.locator("td[data-key='x:0:1,2']").focus()
    p.keyboard.press("Enter")
    p.keyboard.type("x")
    p.keyboard.press("Enter")
    assert "whole number" in root.locator(".cvl-x-message").inner_text()


def test_controls_change_the_sizes(page):
    p = page(explorer())
    root = p.locator(".cvl-explorer")
    for setting, value in [
        ("H", "7"),
        ("k2", "2"),
        ("s1", "2"),
        ("p2", "1"),
        ("d1", "2"),
        ("cin", "2"),
        ("cout", "3"),
    ]:
        field = root.locator(f"input[data-setting={setting}]")
        assert field.get_attribute("aria-label")
        field.fill(value)
        field.press("Tab")
        state = root.evaluate(READ)
        assert state["settings"][setting] == int(value)
        check_against_convlib(state)
    for mode in ["grad_w", "grad_x"]:
        root.locator(f"input[value={mode}]").check()
        check_against_convlib(root.evaluate(READ))
    field = root.locator("input[data-setting=k1]")
    field.fill("30")
    field.press("Tab")
    assert "from 1 to 7" in root.locator(".cvl-x-message").inner_text()
    assert root.evaluate(READ)["settings"]["k1"] == 3


def test_the_controls_take_their_limits_and_labels_from_the_fragment(page):
    """Defined once, in Python: the page's controls follow the options the fragment sends."""
    e = explorer()
    changed = e.html.replace('"H":[1,12]', '"H":[1,9]').replace('"forward: y', '"forward step: y')
    changed = changed.replace(e.element_id, e.element_id + "-b")  # a second explorer on the page
    assert changed.count("[1,9]") == 1 and changed.count("forward step") == 1
    p = page(e, SimpleNamespace(html=changed))
    original, edited = p.locator(".cvl-explorer").nth(0), p.locator(".cvl-explorer").nth(1)
    for key, (lo, hi) in LIMITS.items():
        field = original.locator(f"input[data-setting={key}]")
        assert (field.get_attribute("min"), field.get_attribute("max")) == (str(lo), str(hi)), key
    labels = original.locator(".cvl-x-modes label")
    assert [text.strip() for text in labels.all_inner_texts()] == list(MODE_LABELS.values())
    assert edited.locator("input[data-setting=H]").get_attribute("max") == "9"
    assert (
        edited.locator(".cvl-x-modes label").first.inner_text().strip() == "forward step: y = x ⋆ w"
    )
    field = edited.locator("input[data-setting=H]")
    field.fill("10")
    field.press("Tab")
    assert "from 1 to 9" in edited.locator(".cvl-x-message").inner_text()
    assert edited.evaluate(READ)["settings"]["H"] == 5


def test_no_output_says_why(page):
    p = page(explorer(H=3, W=6, k1=3, k2=2, dilation=(2, 1)))
    root = p.locator(".cvl-explorer")
    message = root.locator(".cvl-x-message").inner_text()
    assert message.startswith("No output: the kernel spans 5 rows"), message
    assert "padded input has only 3" in message and "columns" not in message
    assert root.locator("table[data-array=y]").count() == 0
    root.locator("input[data-setting=p1]").fill("1")
    root.locator("input[data-setting=p1]").press("Tab")
    assert root.locator(".cvl-x-message").inner_text() == ""
    check_against_convlib(root.evaluate(READ))


def test_phone_width(page):
    p = page(explorer("input-gradient"), explorer("channels"), viewport=(390, 844))
    width = p.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px: {width} px wide"
    for box in p.locator(".cvl-explorer").all():
        assert box.bounding_box()["width"] <= 390
    # Cells stay readable: at least 11 px digits.
    size = p.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.cvl-grid td')).fontSize)"
    )
    assert size >= 11


def test_axe_finds_no_violations(page):
    if not AXE.exists():
        missing(f"no axe-core at {AXE}: run `make test` (it installs it)", required=under_ci())
    p = page(explorer("input-gradient"), explorer("forward"), explorer("channels"))
    p.locator("table[data-array=dx] td").nth(8).focus()  # highlights shown too
    p.add_script_tag(path=str(AXE))
    for width in (1280, 390):
        p.set_viewport_size({"width": width, "height": 900})
        result = p.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        )
        violations = [
            (v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
        ]
        assert violations == [], violations


# The built pages that show an explorer, and the example each one starts with.
BUILT = {
    "explorer.html": "forward",
    "chapters/01_forward.html": "forward",
    "chapters/02_weight_gradient.html": "grad_w",
    "chapters/03_input_gradient.html": "grad_x",
    "chapters/06_stride_padding_dilation.html": "grad_x",
}


@pytest.fixture(scope="module")
def site(server):
    """The built site on localhost (the explorer needs nothing from anywhere else)."""
    site_or_skip(SITE, "`make book`")
    return server


@pytest.mark.parametrize("path", sorted(BUILT))
def test_built_pages_explorers_work_offline(browser, site, path):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors, refused = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))

    def route(r):
        url = r.request.url
        if url.startswith(site):
            r.continue_()
        elif url.startswith(MATHJAX_CDN) and MATHJAX.exists():
            r.fulfill(path=MATHJAX / url[len(MATHJAX_CDN) :].split("?")[0])
        else:
            refused.append(url)
            r.abort()

    page.route("**/*", route)
    try:
        page.goto(site + path, wait_until="load")
        roots = page.locator(".cvl-explorer")
        assert roots.count() == 1, f"{path}: {roots.count()} explorers"
        root = roots.first
        state = root.evaluate(READ)
        assert state["settings"]["mode"] == BUILT[path]
        check_against_convlib(state)
        root.scroll_into_view_if_needed()
        box = root.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"{path}: {box}"
        if path != "explorer.html":
            assert "= " in root.locator(".cvl-x-sum").inner_text()  # the preset's cell, written out
        unexpected = [e for e in errors if not any(k in e for k in KNOWN_THEME_MESSAGES)]
        assert unexpected == [], f"{path}: JavaScript errors {unexpected}"
        assert [u for u in refused if "mathjax" not in u] == [], f"{path}: needs the network"
        if AXE.exists():
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "() => axe.run({include: [['.cvl-explorer']]}, {runOnly: {type: 'tag', "
                "values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
            )
            assert [v["id"] for v in result["violations"]] == [], path
    finally:
        page.close()


def test_explorers_work_in_jupyterlab(browser, tmp_path):
    """In a running notebook (JupyterLab 4, as on Binder) the same fragment shows the explorer."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            'from convlib.web.explorer import explorer\n\nexplorer("input-gradient")'
        ),
        nbformat.v4.new_code_cell('explorer("channels")'),
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, tmp_path / "explorer.ipynb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            Path(sys.executable).with_name("jupyter"),
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={tmp_path}",
            "--allow-root",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    page = None
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{url}/lab", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
        page.goto(f"{url}/lab/tree/explorer.ipynb")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        page.wait_for_function("() => document.body.innerText.includes('| Idle')", timeout=120_000)
        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.keyboard.press("Shift+Enter")
        page.wait_for_timeout(300)
        page.keyboard.press("Shift+Enter")
        page.locator(".cvl-explorer").nth(1).locator("table.cvl-grid").first.wait_for(
            timeout=120_000
        )
        roots = page.locator(".cvl-explorer")
        assert roots.count() == 2
        for i in range(2):
            check_against_convlib(roots.nth(i).evaluate(READ))
        assert roots.first.locator(".cvl-x-sum").inner_text().endswith(f"= {MINUS}8.")
        assert errors == [], errors
    finally:
        if page is not None:
            page.close()
        server.terminate()
        server.wait(timeout=30)
