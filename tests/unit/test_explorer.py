"""convlib.web.explorer on the Python side: settings checked with clear errors, the chapters'
presets, and an HTML fragment that carries everything it needs (the browser side is
tests/browser/test_explorer_browser.py)."""

import json
import re
import tomllib
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from needs import ROOT

import convlib
from convlib.web import player
from convlib.web.explorer import (
    LIMITS,
    MODE_LABELS,
    PRESETS,
    RANGES,
    TYPED_LIMIT,
    Explorer,
    explorer,
    script,
)

SIZES = {"H": "H", "W": "W", "k1": "k1", "k2": "k2", "cin": "C_in", "cout": "C_out"}
PAIRS = {"stride": ("s1", "s2"), "padding": ("p1", "p2"), "dilation": ("d1", "d2")}


def options(e):
    """The options the fragment passes to window.convlib.explorer."""
    call = re.search(
        r"window\.convlib\.explorer\(document\.getElementById\(\"([^\"]+)\"\), (.*)\);", e.html
    )
    assert call and call[1] == e.element_id
    return json.loads(call[2])


def test_the_fragment_sends_the_limits_modes_and_labels():
    """Defined once, in Python: the page's controls take them from the fragment's options."""
    sent = options(explorer("stride"))
    assert sent["limits"] == {key: list(pair) for key, pair in LIMITS.items()}
    assert set(LIMITS) == {"H", "W", "k1", "k2", "s1", "s2", "p1", "p2", "d1", "d2", "cin", "cout"}
    assert LIMITS["H"] == (1, 12) and LIMITS["p1"] == (0, 4) and LIMITS["cout"] == (1, 3)
    assert sent["typedLimit"] == TYPED_LIMIT == 99
    assert sent["modes"] == {
        "forward": {"label": "forward: y = x ⋆ w", "output": "y"},
        "grad_w": {"label": "weight gradient: ∂L/∂w", "output": "dw"},
        "grad_x": {"label": "input gradient: ∂L/∂x", "output": "dx"},
    }
    assert {m: v["label"] for m, v in sent["modes"].items()} == MODE_LABELS
    assert sent["ranges"] == {"x": [-3, 3], "w": [-2, 2], "dy": [-2, 2]}
    assert sent["ranges"] == {k: list(v) for k, v in RANGES.items()}


def test_the_script_reads_them_and_keeps_no_copy():
    source = next(p for p in player.SCRIPTS if p.name == "explorer.js").read_text()
    for name in ["limits", "typedLimit", "modes", "ranges"]:
        assert f"options.{name}" in source, name
    assert not re.search(r"\[\s*1\s*,\s*12\s*\]|\b99\b|\[\s*-3\s*,\s*3\s*\]", source)
    for label in MODE_LABELS.values():
        assert label.split(":")[0] + ":" not in source, label


def test_the_script_is_package_data_and_loads_nothing():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["convlib"]
    package = ROOT / "convlib"
    for path in [*player.SCRIPTS, *player.STYLES]:
        relative = Path(str(path)).relative_to(package)
        assert any(relative.match(pattern) for pattern in patterns), relative
    text = script()
    assert "class Explorer {" in text and "function explorer(element" in text
    assert not re.search(r"https?://|import\(|fetch\(|XMLHttpRequest", text)


@given(
    key=st.sampled_from(sorted(SIZES)),
    value=st.one_of(st.integers(-20, 40), st.floats(allow_nan=True), st.booleans(), st.text()),
)
def test_sizes_outside_the_limits_are_refused_by_name(key, value):
    lo, hi = LIMITS[key]
    name = SIZES[key]
    if isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi:
        assert explorer(**{name: value}).settings[key] == value
        return
    with pytest.raises(ValueError, match=rf"^{name} must be a whole number from {lo} to {hi}"):
        explorer(**{name: value})


@given(
    which=st.sampled_from(sorted(PAIRS)),
    pair=st.tuples(st.integers(-2, 6), st.integers(-2, 6)),
)
def test_stride_padding_dilation_per_axis(which, pair):
    keys = PAIRS[which]
    ok = all(LIMITS[k][0] <= v <= LIMITS[k][1] for k, v in zip(keys, pair, strict=True))
    if ok:
        settings = explorer(**{which: pair}).settings
        assert (settings[keys[0]], settings[keys[1]]) == pair
    else:
        with pytest.raises(ValueError, match=rf"^{which} \(rows, columns\) must be"):
            explorer(**{which: pair})


def test_bad_settings_name_the_argument():
    cases = [
        (dict(mode="backward"), ValueError, "mode must be one of forward, grad_w, grad_x"),
        (dict(stride="2"), TypeError, "stride must be an int or a pair"),
        (dict(seed=-1), ValueError, "seed must be a whole number >= 0, got -1"),
        (dict(x=np.ones((2, 2, 2, 2))), ValueError, r"x must be 2-D \(H, W\) or 3-D"),
        (dict(x=[[1.5, 2]]), ValueError, "x must hold whole numbers"),
        (dict(x=[[1, 200]]), ValueError, "x must hold numbers from -99 to 99, got 200"),
        (dict(x=[["a"]]), TypeError, "x must be a non-empty array of whole numbers"),
        (dict(w=np.ones((1, 2, 2))), ValueError, r"w must be 2-D \(k1, k2\) or 4-D"),
        (dict(x=np.ones((5, 5)), H=4), ValueError, "H is 4 but the array given has 5"),
        (dict(x=np.ones((2, 5, 5)), w=np.ones((1, 3, 2, 2))), ValueError, "C_in is 2 but"),
        (dict(x=np.ones((20, 5)).astype(int)), ValueError, r"H \(from the array's shape\)"),
        (
            dict(dy=np.ones((2, 2)), H=5, W=5, k1=3, k2=3),
            ValueError,
            r"dy must have the shape of the output \(C_out, N1, N2\) = \(1, 3, 3\), "
            r"got \(1, 2, 2\)",
        ),
        (dict(focus=("z", 0, 0)), ValueError, "focus must be \\(name, indices...\\)"),
        (dict(focus=("dx", 9, 0)), ValueError, r"focus must index a cell of dx, whose shape is"),
        (dict(title=3), TypeError, "title must be a string, got 3"),
    ]
    for settings, error, message in cases:
        with pytest.raises(error, match=message):
            explorer(**settings)
    with pytest.raises(ValueError, match="preset must be one of forward, weight-gradient"):
        explorer("chapter-1")


def test_arrays_are_not_modified_and_sizes_follow_them():
    x = np.arange(12).reshape(3, 4) - 5
    w = np.array([[[[1, -1]], [[2, 0]]]])  # (C_out, C_in, k1, k2) = (1, 2, 1, 2)
    x3 = np.stack([x, -x])
    before = x3.copy(), w.copy()
    e = explorer(mode="grad_w", x=x3, w=w, stride=(1, 2))
    assert np.array_equal(x3, before[0]) and np.array_equal(w, before[1])
    s = e.settings
    assert (s["cin"], s["H"], s["W"], s["cout"], s["k1"], s["k2"]) == (2, 3, 4, 1, 1, 2)
    assert s["x"] == x3.tolist() and s["w"] == w.tolist()
    assert options(e)["settings"] == {k: v for k, v in s.items() if k != "focus"}


def test_fragment_is_self_contained_and_escaped():
    e = explorer("edge", title="</script><script>alert(1)</script>")
    assert isinstance(e, Explorer) and e._repr_html_() == e.html
    assert "</script><script>alert" not in e.html
    assert options(e)["title"] == "</script><script>alert(1)</script>"
    assert e.html.count("<script") == 2 and script() in e.html
    assert "</script" not in script().lower() and "<!--" not in script()
    assert not re.search(r"(src|href)=", e.html)
    ids = {explorer("edge").element_id for _ in range(3)}
    assert len(ids) == 3, "two explorers on a page need two ids"


# Each preset and where its numbers come from: notebook, the seed of its random generator.
SOURCES = {
    "forward": ("01_forward", 0),
    "weight-gradient": ("02_weight_gradient", 1),
    "input-gradient": ("03_input_gradient", 2),
    "stride-padding-dilation": ("06_stride_padding_dilation", 6),
    "stride": ("06_stride_padding_dilation", 81),
    "dilation": ("06_stride_padding_dilation", 64),
}
ASSIGNMENT = re.compile(r"^(rng|x|w|y|dy|s|d) = ")


def chapter_arrays(notebook, seed, wanted):
    """x, w (and dL/dy) as the chapter computes them: its own lines, from the cell that seeds
    the generator on, run until every array wanted is defined."""
    nb = nbformat.read(ROOT / "chapters" / f"{notebook}.ipynb", as_version=4)
    sources = ["".join(c.source) for c in nb.cells if c.cell_type == "code"]
    start = next(i for i, s in enumerate(sources) if f"default_rng({seed})" in s)
    namespace = {"np": np, "convlib": convlib}
    for source in sources[start:]:
        for line in source.splitlines():
            if ASSIGNMENT.match(line):
                exec(line, namespace)  # the chapter's own line
                if all(name in namespace for name in wanted):
                    return {name: namespace[name] for name in wanted}
    raise AssertionError(f"{notebook} never defines {wanted} after default_rng({seed})")


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_presets_hold_the_chapters_numbers(name):
    spec = PRESETS[name]
    wanted = [k for k in ("x", "w", "dy") if k in spec]
    theirs = chapter_arrays(*SOURCES[name], wanted)
    for key in wanted:
        assert np.array_equal(np.asarray(spec[key]), theirs[key]), (name, key)


def test_presets_show_what_the_chapters_say():
    # Chapter 3: "Yes, the same number, -8" for dL/dx[2, 3], the preset's focus.
    s = PRESETS["input-gradient"]
    assert s["focus"] == ("dx", 2, 3)
    assert convlib.conv2d_grad_x(s["dy"], s["w"])[2, 3] == -8
    # Chapter 6: at stride 2 on 8 x 8, row and column 7 are in no window; dL/dy has no zeros.
    s = PRESETS["stride"]
    dx = convlib.conv2d_grad_x(s["dy"], s["w"], (8, 8), stride=2)
    assert np.all(s["dy"] != 0) and not dx[7].any() and not dx[:, 7].any()
    # Chapter 6: flip(w_d) has w[2, 2] = -2 top left.
    assert PRESETS["dilation"]["w"][2, 2] == -2
    # The edge detector answers at the edge only.
    s = PRESETS["edge"]
    y = convlib.conv2d(s["x"], s["w"])
    assert np.all(y[:, [0, 3, 4]] == 0) and np.all(y[:, [1, 2]] == -12)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_makes_an_output_and_a_focus(name):
    e = explorer(name)
    s = e.settings
    N1 = convlib.output_size(s["H"], s["k1"], s["s1"], s["p1"], s["d1"])
    N2 = convlib.output_size(s["W"], s["k2"], s["s2"], s["p2"], s["d2"])
    assert N1 >= 1 and N2 >= 1
    assert s["focus"][0] == {"forward": "y", "grad_w": "dw", "grad_x": "dx"}[s["mode"]]
    menu = options(e)["presets"]
    assert set(menu) == set(PRESETS) and menu[name]["focus"] == s["focus"]


def test_preset_settings_can_be_changed():
    e = explorer("input-gradient", mode="forward")
    assert e.settings["mode"] == "forward" and e.settings["x"] == [
        PRESETS["input-gradient"]["x"].tolist()
    ]
    assert e.settings["focus"] is None  # the preset's cell of dL/dx is not on show
    # New sizes replace the preset's numbers (which would no longer fit) and its focus.
    e = explorer("input-gradient", H=4)
    assert "x" not in e.settings and e.settings["focus"] is None and e.settings["H"] == 4


def test_colours_pass_wcag_contrast():
    """Digits on every fill >= 4.5:1; every outline and error text >= 3:1 and 4.5:1 on white."""
    from convlib.palette import PAPER, TEXT, contrast_ratio

    # The stylesheet names the palette's colours; the page script sets them as below.
    page = player._palette()
    colours = {f"--cvl-{name}": colour for name, colour in page["vars"].items()}
    for kind in ["ink", "fill"]:
        for name, colour in page[kind].items():
            colours[f"--cvl-{kind}-{name.replace(' ', '-')}"] = colour
    css = (ROOT / "convlib" / "web" / "explorer.css").read_text(encoding="utf-8")
    style = re.sub(r"var\((--cvl-[\w-]+)\)", lambda m: colours[m[1]], css)
    fills = set(re.findall(r"background: (#[0-9A-Fa-f]{6})", style))
    lines = set(re.findall(r"(?:border|outline)[\w-]*: [^;]*?(#[0-9A-Fa-f]{6})", style))
    texts = set(re.findall(r"[^-]color: (#[0-9A-Fa-f]{6})", style))
    assert len(fills) >= 3 and len(lines) >= 5 and texts
    assert all(contrast_ratio(TEXT, fill) >= 4.5 for fill in fills), fills
    assert all(contrast_ratio(line, PAPER) >= 3 for line in lines), lines
    assert all(contrast_ratio(text, PAPER) >= 4.5 for text in texts), texts
