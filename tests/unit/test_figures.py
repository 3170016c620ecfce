"""Every figure the book draws is legible where it is shown: it fits the page's text column, so the
browser does not scale it down; no text is smaller than 11 px; every line, edge, marker and text
reaches WCAG 2.1 AA contrast (3:1 for graphics, 4.5:1 for text) against the white paper it is
drawn on.

The figures are those of the chapters themselves: the slow test runs each chapter's code cells
(the chapters come from _toc.yml) and checks every figure a cell shows; the quick ones draw each
figure function over shapes that hypothesis chooses.
"""

import ast
import io
import json
import re

import matplotlib
import numpy as np
import pytest
import yaml
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes
from matplotlib.axis import Tick
from matplotlib.collections import Collection
from matplotlib.colors import to_hex, to_rgba
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from needs import ROOT
from PIL import Image
from strategies import examples

from convlib.figures import cnnplots, drawing, perfplots
from convlib.figures.grids import COLUMN, DPI, MAX_WIDTH, MIN_FONT_PX
from convlib.figures.matrixplots import plot_matrix_pattern
from convlib.matrix import conv_matrix
from convlib.palette import PAPER, contrast_ratio

matplotlib.use("Agg")

TEXT_CONTRAST, GRAPHIC_CONTRAST = 4.5, 3.0


def shown_width(fig):
    """The PNG's width in pixels as a notebook shows it: the inline backend saves the figure at
    its own dpi, cropped (or grown) to the tight bounding box of what it draws."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
    return Image.open(buffer).size[0]


def on_paper(rgba, paper):
    """The colour that an RGBA colour shows on the paper, as '#RRGGBB'."""
    r, g, b, a = rgba
    under = to_rgba(paper)
    return to_hex(tuple(a * c + (1 - a) * u for c, u in zip((r, g, b), under[:3], strict=True)))


def decorative(fig):
    """Axes grid lines and legend frames: they help to read but carry no information of their
    own (WCAG 1.4.11 asks contrast only of graphics needed to understand the content)."""
    return {id(legend.legendPatch) for legend in fig.findobj(Legend)} | {
        id(tick.gridline) for tick in fig.findobj(Tick)
    }


def inks(fig):
    """(what, colour as shown, required contrast) for every text, line, edge and marker."""
    paper = to_hex(fig.get_facecolor())
    fig.canvas.draw()
    found = []
    skip = decorative(fig)
    for artist in fig.findobj(lambda a: a.get_visible()):
        ax = artist.axes if isinstance(getattr(artist, "axes", None), Axes) else None
        if id(artist) in skip:
            continue
        alpha = artist.get_alpha()
        alpha = 1.0 if alpha is None else alpha

        def add(what, color, need, alpha=alpha, artist=artist):
            rgba = to_rgba(color)
            if rgba[3] * alpha > 0:
                shown = on_paper((*rgba[:3], rgba[3] * alpha), paper)
                found.append((f"{what} {artist.get_gid() or ''}".strip(), shown, need))

        if isinstance(artist, Text):
            if artist.get_text().strip():
                add(f"text {artist.get_text()!r}", artist.get_color(), TEXT_CONTRAST)
        elif isinstance(artist, Line2D):
            if artist.get_linestyle() not in ("None", "none", "") and artist.get_linewidth() > 0:
                add("line", artist.get_color(), GRAPHIC_CONTRAST)
            if artist.get_marker() not in ("None", "none", "", None):
                if artist.get_markeredgewidth() > 0:
                    add("marker edge", artist.get_markeredgecolor(), GRAPHIC_CONTRAST)
        elif isinstance(artist, Patch):
            if artist.get_hatch():
                add("hatch", artist.get_edgecolor(), GRAPHIC_CONTRAST)
            elif artist.get_linewidth() > 0 and artist is not fig.patch and ax is not None:
                if artist is not ax.patch:
                    add("edge", artist.get_edgecolor(), GRAPHIC_CONTRAST)
        elif isinstance(artist, Collection):
            widths = np.atleast_1d(artist.get_linewidths())
            if widths.size and widths.max() > 0:
                for color in artist.get_edgecolors():
                    add("edge", color, GRAPHIC_CONTRAST)
    return paper, found


def text_sizes(fig):
    return [
        (t.get_text(), t.get_fontsize() * fig.dpi / 72)
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]


def check_figure(fig, where):
    assert isinstance(fig, Figure), where
    assert fig.dpi == DPI, (where, fig.dpi)
    paper, found = inks(fig)
    assert paper == PAPER.lower(), f"{where}: the ground is {paper}, not white paper"
    width = shown_width(fig)
    assert width <= COLUMN, f"{where}: {width} px wide, the page shows {COLUMN} (scaled down)"
    assert fig.get_figwidth() * fig.dpi <= MAX_WIDTH, where
    small = [(text, size) for text, size in text_sizes(fig) if size < MIN_FONT_PX - 1e-9]
    assert not small, f"{where}: text smaller than {MIN_FONT_PX} px: {small[:5]}"
    faint = [
        (what, color, round(contrast_ratio(color, paper), 2))
        for what, color, need in found
        if contrast_ratio(color, paper) < need
    ]
    assert not faint, f"{where}: below WCAG AA contrast on {paper}: {faint[:5]}"
    assert found, f"{where}: nothing checked"


# The quick tests: each figure function over shapes hypothesis draws.

shapes = st.tuples(st.integers(1, 12), st.integers(1, 12))


# Drawing is slow: no shrinking (a failure names its figure and the numbers that fail).
@settings(max_examples=examples(12), phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(x_shape=shapes, data=st.data())
def test_grid_figures_fit_and_pass_contrast(x_shape, data):
    H, W = x_shape
    k1, k2 = data.draw(st.integers(1, H)), data.draw(st.integers(1, W))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-9, 10, size=(H, W)).astype(float)
    w = rng.integers(-9, 10, size=(k1, k2)).astype(float)
    N1, N2 = H - k1 + 1, W - k2 + 1
    dy = rng.integers(-9, 10, size=(N1, N2)).astype(float)
    r, c = data.draw(st.integers(0, N1 - 1)), data.draw(st.integers(0, N2 - 1))
    rp, cp = data.draw(st.integers(0, H - 1)), data.draw(st.integers(0, W - 1))
    check_figure(drawing.plot_forward(x, w, r, c), "plot_forward")
    check_figure(drawing.plot_weight_gradient(x, dy, r % k1, c % k2), "plot_weight_gradient")
    check_figure(drawing.plot_boxes((H, W), (k1, k2), rp, cp), "plot_boxes")
    check_figure(drawing.plot_flip(w), "plot_flip")
    check_figure(drawing.plot_full_correlation(dy, w, rp, cp), "plot_full_correlation")


# Renders every other figure function once (seconds): in make test, not in make unit's loop.
@pytest.mark.slow
def test_other_figures_fit_and_pass_contrast():
    rng = np.random.default_rng(0)
    w = np.arange(1.0, 7.0).reshape(2, 3)
    check_figure(plot_matrix_pattern(conv_matrix((4, 5), w), values=True), "matrix values")
    check_figure(
        plot_matrix_pattern(conv_matrix((5, 5), np.ones((3, 3)), stride=2, padding=1)), "W"
    )
    check_figure(
        drawing.plot_training(np.geomspace(1, 1e-6, 80), np.eye(3), np.eye(3) + 1e-3), "training"
    )
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    check_figure(perfplots.plot_timings(results), "plot_timings")
    check_figure(perfplots.plot_torch_ratios(results), "plot_torch_ratios")
    images = rng.random((16, 1, 8, 8))
    labels = rng.integers(0, 10, 16)
    check_figure(cnnplots.plot_digits(images, labels, (labels + 1) % 10), "plot_digits")
    check_figure(
        cnnplots.plot_history(
            {
                "loss": [1.0, 0.5, 0.2],
                "train_accuracy": [0.5, 0.9, 0.95],
                "test_accuracy": [0.4, 0.8, 0.9],
            }
        ),
        "plot_history",
    )
    check_figure(cnnplots.plot_filters(rng.standard_normal((8, 1, 5, 5))), "plot_filters")
    check_figure(
        cnnplots.plot_saliency(images[:7], rng.standard_normal((7, 8, 8)), labels[:7], labels[:7]),
        "plot_saliency",
    )


def test_matrix_values_refuse_entries_too_small_to_read():
    with pytest.raises(ValueError, match="values=True needs room .* got M of shape"):
        plot_matrix_pattern(np.ones((4, 40)), values=True)


def test_the_check_finds_what_it_looks_for():
    # The checks can fail: the light Okabe-Ito orange as a line, tiny text, a wide figure.
    from convlib.figures.grids import detached_figure
    from convlib.palette import OKABE_ITO

    fig = detached_figure((4, 3))
    fig.add_subplot().plot([0, 1], color=OKABE_ITO["orange"])
    with pytest.raises(AssertionError, match="contrast"):
        check_figure(fig, "orange")
    fig = detached_figure((4, 3))
    fig.add_subplot().set_title("tiny", fontsize=6)
    with pytest.raises(AssertionError, match="smaller than"):
        check_figure(fig, "tiny")
    with pytest.raises(ValueError, match="figsize must be"):
        detached_figure((MAX_WIDTH / DPI + 0.5, 3))


# The slow test: every figure the chapters show.


def chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [chapter["file"] for part in toc["parts"] for chapter in part.get("chapters", [])]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def shown_figures(notebook):
    """Run a chapter's code cells in order and yield (cell number, figure) for each figure a cell
    shows as its value (how every chapter shows its figures)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    namespace = {"__name__": "__main__"}
    for number, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if re.search(r"^\s*[%!]", source, re.MULTILINE):
            continue  # IPython magics and shell lines: none draws
        tree = ast.parse(source)
        last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        if last is not None:
            tree.body = tree.body[:-1]
        exec(compile(tree, f"{notebook.name}[{number}]", "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), notebook.name, "eval"), namespace)
            if isinstance(value, Figure):
                yield number, value


@pytest.mark.slow
@pytest.mark.parametrize("notebook", chapters(), ids=lambda p: p.stem)
def test_every_figure_of_the_chapters_fits_and_passes_contrast(notebook, monkeypatch, capsys):
    monkeypatch.chdir(notebook.parent)
    figures = list(shown_figures(notebook))
    for number, fig in figures:
        check_figure(fig, f"{notebook.name}, cell {number}")
    # Every cell that ends by calling a plot function showed its figure (and was checked).
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    plotting = [
        n
        for n, cell in enumerate(cells)
        if cell["cell_type"] == "code"
        and re.search(r"\bplot_\w+\(", "".join(cell["source"]).strip().splitlines()[-1:][0])
    ]
    assert [n for n, _ in figures] == plotting
