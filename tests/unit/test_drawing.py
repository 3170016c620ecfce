"""The book's figures draw the right cells, boxes, labels and values, and render without warnings.

Every cell [i, j] is the unit square at (j, i), so a rectangle drawn over cells reads back as
(column, row, width, height) once rounded (box outlines are inset by a fraction of a cell).
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from strategies import random_arrays

import convlib
from convlib.figures import drawing, grids
from convlib.windows import box_labels, windows_containing


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def cells(patch):
    """(column, row, width, height) of a rectangle, in whole cells."""
    x, y = patch.get_xy()
    return tuple(round(v) for v in (x, y, patch.get_width(), patch.get_height()))


def drawn(ax, gid):
    return [cells(p) for p in ax.patches if p.get_gid() == gid]


def values_drawn(ax):
    """{(row, column): text} of the numbers printed in the cells."""
    return {
        (int(t.get_position()[1]), int(t.get_position()[0])): t.get_text()
        for t in ax.texts
        if t.get_gid() == "value"
    }


def label_texts(ax):
    return [t.get_text() for t in ax.texts if t.get_gid() == "label"]


def render(fig):
    # pytest turns warnings into errors: a missing glyph or a bad mathtext title fails here.
    fig.canvas.draw()


def test_forward_pass():
    x = np.arange(30).reshape(5, 6) % 7 - 3
    w = np.array([[1, -2], [0, 3], [2, 1]])
    fig = drawing.plot_forward(x, w, 1, 2)
    ax_x, ax_w, ax_y = fig.axes
    assert drawn(ax_x, "window") == [(2, 1, 2, 3), (2, 1, 2, 3)]  # shaded and outlined
    assert drawn(ax_y, "highlight") == [(2, 1, 1, 1), (2, 1, 1, 1)]
    assert values_drawn(ax_x) == {(i, j): str(v) for (i, j), v in np.ndenumerate(x)}
    assert values_drawn(ax_w) == {(a, b): str(v) for (a, b), v in np.ndenumerate(w)}
    y = convlib.conv2d(x, w)
    assert values_drawn(ax_y)[1, 2] == str(int(y[1, 2]))
    # The sum of products written out by hand, negative factors in parentheses:
    expected = "= (-2)·1 + (-1)·(-2) + (-3)·0 + (-2)·3 + 3·2 + (-3)·1 = -3"
    # (after the formula, on as many lines as the figure's width needs)
    written = " ".join(fig.get_suptitle().splitlines()[1:])
    assert y[1, 2] == -3 and written == expected
    assert ax_x.get_title() == "$x$" and ax_w.get_title() == "$w$"
    render(fig)


def test_forward_pass_with_floats_and_a_large_kernel():
    x, w = random_arrays(0, (6, 6), (4, 4))
    fig = drawing.plot_forward(x, w, 2, 0)
    value = convlib.conv2d(x, w)[2, 0]
    assert fig.get_suptitle().endswith(f"= {value:.6g}")
    assert "·" not in fig.get_suptitle()  # 16 products would not fit on one line
    render(fig)


def test_weight_gradient():
    x = np.arange(30).reshape(5, 6) % 5
    dy = np.arange(12).reshape(3, 4) - 5
    fig = drawing.plot_weight_gradient(x, dy, 2, 1)
    ax_x, ax_dy, ax_dw = fig.axes
    # The N1 x N2 block x[a' : a' + N1, b' : b' + N2] is what w[2, 1] multiplies.
    assert drawn(ax_x, "window") == [(1, 2, 4, 3)] * 2
    assert drawn(ax_dy, "window") == [(0, 0, 4, 3)]  # every output pixel
    assert drawn(ax_dw, "highlight") == [(1, 2, 1, 1)] * 2
    dw = convlib.conv2d_grad_w(x, dy)
    assert values_drawn(ax_dw) == {(a, b): str(int(v)) for (a, b), v in np.ndenumerate(dw)}
    assert fig.get_suptitle().endswith(f"= {int(dw[2, 1])}$")
    render(fig)


def test_boxes_for_an_interior_pixel():
    fig = drawing.plot_boxes((6, 7), (3, 3), 3, 4)
    ax_x, ax_y = fig.axes
    assert drawn(ax_x, "pixel") == [(4, 3, 1, 1)]
    # ① the first window, ② the middle one (the window centred on the pixel), ③ the last.
    assert drawn(ax_x, "box ①") == [(2, 1, 3, 3)]
    assert drawn(ax_x, "box ②") == [(3, 2, 3, 3)]
    assert drawn(ax_x, "box ③") == [(4, 3, 3, 3)]
    assert sorted(label_texts(ax_x)) == sorted(label_texts(ax_y)) == ["①", "②", "③"]
    assert drawn(ax_y, "box ①") == [(2, 1, 1, 1)] and drawn(ax_y, "box ③") == [(4, 3, 1, 1)]
    assert sorted(drawn(ax_y, "affected")) == [(c, r, 1, 1) for c in (2, 3, 4) for r in (1, 2, 3)]
    weights = {t.get_text() for t in ax_y.texts if t.get_text().startswith("w[")}
    assert weights == {f"w[{a},{b}]" for a in range(3) for b in range(3)}
    assert ax_x.get_xlim() == (0, 7) and ax_x.get_ylim() == (6, 0)  # row 0 at the top
    assert ax_y.get_xlim() == (0, 5) and ax_y.get_ylim() == (4, 0)
    render(fig)


@pytest.mark.parametrize(
    ("x_shape", "w_shape"), [((4, 5), (2, 3)), ((3, 3), (3, 1)), ((2, 2), (1, 1))]
)
def test_boxes_for_every_pixel(x_shape, w_shape):
    (H, W), (k1, k2) = x_shape, w_shape
    for rp in range(H):
        for cp in range(W):
            fig = drawing.plot_boxes(x_shape, w_shape, rp, cp)
            ax_x, ax_y = fig.axes
            windows = windows_containing(rp, cp, (H - k1 + 1, W - k2 + 1), w_shape)
            labels = box_labels(windows)
            for i, label in labels.items():
                r, c, _, _ = windows[i]
                assert drawn(ax_x, f"box {label}") == [(c, r, k2, k1)]
                assert drawn(ax_y, f"box {label}") == [(c, r, 1, 1)]
            boxes = [p for p in ax_x.patches if str(p.get_gid()).startswith("box")]
            assert len(boxes) == len(labels)
            assert sorted(drawn(ax_y, "affected")) == sorted((c, r, 1, 1) for r, c, _, _ in windows)
            assert sorted(label_texts(ax_x)) == sorted(labels.values())
            plt.close(fig)


def test_boxes_for_a_corner_pixel():
    fig = drawing.plot_boxes((5, 6), (3, 3), 0, 0)
    ax_x, ax_y = fig.axes
    boxes = [p for p in ax_x.patches if str(p.get_gid()).startswith("box")]
    assert [cells(p) for p in boxes] == [(0, 0, 3, 3)]
    assert label_texts(ax_x) == label_texts(ax_y) == ["①=③"]
    assert drawn(ax_y, "affected") == [(0, 0, 1, 1)]
    assert "the 1 pixel it affects" in ax_y.get_title()
    render(fig)


def test_circled_digits_render_even_in_a_font_without_them():
    # matplotlib's DejaVu Sans has U+2460..U+2462 (DejaVu Serif has not): the labels use it
    # whatever the reader's font settings, so no "Glyph missing" warning.
    assert grids.CIRCLED_DIGITS_IN_FONT
    with plt.rc_context({"font.family": "serif"}):
        fig = drawing.plot_boxes((6, 7), (3, 3), 3, 4)
        render(fig)


def test_numbered_circles_replace_missing_glyphs(monkeypatch):
    monkeypatch.setattr(grids, "CIRCLED_DIGITS_IN_FONT", False)
    fig = drawing.plot_boxes((6, 7), (3, 3), 3, 4)
    ax_x, _ = fig.axes
    labels = [t for t in ax_x.texts if t.get_gid() == "label"]
    assert sorted(t.get_text() for t in labels) == ["1", "2", "3"]
    assert all(type(t.get_bbox_patch().get_boxstyle()).__name__ == "Circle" for t in labels)
    render(fig)
    fig = drawing.plot_boxes((5, 6), (3, 3), 0, 0)
    assert label_texts(fig.axes[0]) == ["1=3"]
    render(fig)


def test_flip():
    w = np.arange(6).reshape(2, 3)
    fig = drawing.plot_flip(w)
    ax_w, ax_flip = fig.axes
    assert values_drawn(ax_w) == {
        (a, b): f"w[{a},{b}]\n{w[a, b]}" for a in range(2) for b in range(3)
    }
    # Cell [a, b] of the flipped filter holds w[1 - a, 2 - b]: the 180-degree rotation.
    assert values_drawn(ax_flip)[0, 0] == "w[1,2]\n5"
    assert values_drawn(ax_flip) == {
        (a, b): f"w[{1 - a},{2 - b}]\n{convlib.flip(w)[a, b]}" for a in range(2) for b in range(3)
    }
    colour = {(ax, cells(p)[:2]): p.get_facecolor() for ax in (ax_w, ax_flip) for p in ax.patches}
    assert colour[ax_w, (0, 0)] == colour[ax_flip, (2, 1)]  # w[0, 0] ends bottom right
    assert colour[ax_w, (2, 0)] == colour[ax_flip, (0, 1)]  # w[0, 2] ends bottom left
    assert "flip" in ax_flip.get_title()
    render(fig)


def test_full_correlation():
    dy = np.arange(12).reshape(3, 4) - 4
    w = np.array([[1, 2, 0], [-1, 3, 1]])
    rp, cp = 2, 1
    fig = drawing.plot_full_correlation(dy, w, rp, cp)
    ax_pad, ax_w, ax_dx = fig.axes
    # dy padded by (k1 - 1, k2 - 1) = (1, 2) on each side: (3 + 2, 4 + 4) cells.
    assert ax_pad.get_xlim() == (0, 8) and ax_pad.get_ylim() == (5, 0)
    padding = drawn(ax_pad, "padding")
    assert len(padding) == 5 * 8 - 3 * 4
    assert all(not (1 <= r < 4 and 2 <= c < 6) for c, r, _, _ in padding)
    shown = values_drawn(ax_pad)
    assert all(shown[r, c] == "0" for c, r, _, _ in padding)
    assert drawn(ax_pad, "window") == [(cp, rp, 3, 2)] * 2  # starts at (r', c') when padded
    assert values_drawn(ax_w) == {(a, b): str(v) for (a, b), v in np.ndenumerate(convlib.flip(w))}
    # What the outlined window shows, times the flipped filter, is dL/dx[r', c'].
    window = np.array([[int(shown[rp + a, cp + b]) for b in range(3)] for a in range(2)])
    dx = convlib.conv2d_grad_x(dy, w)
    assert np.sum(window * convlib.flip(w)) == dx[rp, cp]
    assert drawn(ax_dx, "highlight") == [(cp, rp, 1, 1)] * 2
    assert fig.get_suptitle().endswith(f"= {int(dx[rp, cp])}$")
    render(fig)


def test_training():
    losses = np.exp(-np.linspace(0, 8, 50))
    w_true = np.array([[1.0, -1.0], [0.5, 2.0]])
    w_learned = w_true + np.array([[0.0, 0.01], [-0.02, 0.0]])
    fig = drawing.plot_training(losses, w_true, w_learned)
    ax_loss, ax_true, ax_learned = fig.axes
    assert ax_loss.get_yscale() == "log"
    assert ax_loss.get_xlabel() == "step" and "loss" in ax_loss.get_ylabel()
    (line,) = ax_loss.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), losses)
    assert values_drawn(ax_true) == {(0, 0): "1", (0, 1): "-1", (1, 0): "0.5", (1, 1): "2"}
    assert values_drawn(ax_learned)[0, 1] == "-0.99"
    assert "max error 0.02" in ax_learned.get_title()
    render(fig)


def test_large_arrays_are_drawn_without_values():
    x, w = random_arrays(1, (12, 12), (3, 3))
    fig = drawing.plot_forward(x, w, 4, 5)
    assert values_drawn(fig.axes[0]) == {} and len(values_drawn(fig.axes[1])) == 9
    render(fig)


def test_figures_are_returned_not_shown():
    """Not registered with pyplot: a notebook's inline backend would otherwise show it twice."""
    plt.close("all")
    fig = drawing.plot_flip(np.ones((2, 2)))
    assert isinstance(fig, matplotlib.figure.Figure)
    assert plt.get_fignums() == []
    assert fig.canvas is not None and len(fig.axes) == 2


ONES = np.ones((3, 3))
BAD_CALLS = [
    (
        drawing.plot_forward,
        (ONES, np.ones((4, 1)), 0, 0),
        ValueError,
        r"w must be no larger than x",
    ),
    (
        drawing.plot_forward,
        (ONES, np.ones((2, 2)), 2, 0),
        ValueError,
        r"r must be in 0\.\.1 .*got 2",
    ),
    (drawing.plot_forward, (ONES, np.ones((2, 2)), 0, 0.5), TypeError, r"c must be an int"),
    (drawing.plot_forward, (np.ones(3), ONES, 0, 0), ValueError, r"x must be 2-D \(H, W\)"),
    (
        drawing.plot_weight_gradient,
        (ONES, np.ones((2, 2)), 2, 0),
        ValueError,
        r"ap must be in 0\.\.1",
    ),
    (
        drawing.plot_weight_gradient,
        (ONES, np.ones((4, 2)), 0, 0),
        ValueError,
        r"dy must be no larger",
    ),
    (drawing.plot_boxes, ((3, 3), (2, 2), 0, 3), ValueError, r"cp must be in 0\.\.2 .*got 3"),
    (
        drawing.plot_boxes,
        ((3, 3), (4, 2), 0, 0),
        ValueError,
        r"w_shape must be no larger than x_shape",
    ),
    (drawing.plot_boxes, ((3, 0), (1, 1), 0, 0), ValueError, r"x_shape must be two positive ints"),
    (drawing.plot_flip, (np.ones((2, 2, 2)),), ValueError, r"w must be 2-D \(k1, k2\)"),
    (drawing.plot_flip, ([["a"]],), TypeError, r"w must hold real numbers"),
    (
        drawing.plot_full_correlation,
        (ONES, ONES, 5, 0),
        ValueError,
        r"rp must be in 0\.\.4 .*got 5",
    ),
    (
        drawing.plot_training,
        ([1.0, 0.0], ONES, ONES),
        ValueError,
        r"losses must be finite and positive .*step 1: 0\.0",
    ),
    (
        drawing.plot_training,
        ([1.0, np.nan], ONES, ONES),
        ValueError,
        r"got 1 that are not, the first at step 1: nan",
    ),
    (drawing.plot_training, (np.ones((2, 2)), ONES, ONES), ValueError, r"losses must be 1-D"),
    (
        drawing.plot_training,
        ([1.0], ONES, np.ones((2, 3))),
        ValueError,
        r"w_learned must have the shape",
    ),
]


@pytest.mark.parametrize(("function", "args", "error", "pattern"), BAD_CALLS)
def test_bad_arguments(function, args, error, pattern):
    with pytest.raises(error, match=pattern):
        function(*args)
    assert plt.get_fignums() == []  # checked before any figure is made
