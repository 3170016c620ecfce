"""The figures and players of chapters 5-8 say what they show: channel names, the two kinds of
zeros of a strided gradient, the size of x, and the dilated filter's name."""

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

import convlib
from convlib import frames
from convlib.figures import drawing
from convlib.web.svg import frame_svg


def gids(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


@settings(max_examples=examples(25), deadline=None)
@given(
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2),
    st.data(),
)
def test_strided_full_correlation_draws_both_kinds_of_zeros_and_x_whole(
    N1, N2, k, s, _, extra, data
):
    rng = np.random.default_rng(N1 * 100 + N2 * 10 + k)
    dy = rng.choice([-2.0, -1.0, 1.0, 2.0], size=(N1, N2))
    w = rng.integers(-2, 3, size=(k, k)).astype(float)
    H, W = s * (N1 - 1) + k + min(extra, s - 1), s * (N2 - 1) + k
    rp, cp = data.draw(st.integers(0, H - 1)), data.draw(st.integers(0, W - 1))
    fig = drawing.plot_full_correlation(dy, w, rp, cp, stride=s, x_shape=(H, W))
    ax_grid, _, ax_dx = fig.axes
    inserted = (s * (N1 - 1) + 1) * (s * (N2 - 1) + 1) - N1 * N2
    grid_cells = (H + k - 1) * (W + k - 1)
    assert len(gids(ax_grid, "inserted")) == inserted
    assert len(gids(ax_grid, "padding")) == grid_cells - inserted - N1 * N2
    hatched = {p.get_hatch() for p in gids(ax_grid, "inserted")}
    assert hatched <= {"//"}  # told apart by a pattern, not by colour alone
    assert ax_dx.get_xlim() == (0, W) and ax_dx.get_ylim() == (H, 0)  # dL/dx has the size of x
    dx = convlib.conv2d_grad_x(dy, w, (H, W), stride=s)
    value = re.search(r"= (-?[\d.]+)\$$", fig.get_suptitle()).group(1)
    assert float(value) == pytest.approx(dx[rp, cp])
    title = ax_grid.get_title()
    assert ("zeros inserted" in title) == (s > 1) and "padded" in title


def test_the_chapter_six_example_has_an_eight_by_eight_gradient():
    dy, w = np.array([[2.0, -1, -2], [1, -2, 2], [-1, 1, -2]]), np.ones((3, 3))
    fig = drawing.plot_full_correlation(dy, w, 7, 7, stride=2, x_shape=(8, 8))
    assert fig.axes[2].get_xlim() == (0, 8)
    assert fig.get_suptitle().endswith("= 0$")  # row 7 is in no window
    with pytest.raises(ValueError, match=r"x_shape must give dy's shape \(3, 3\)"):
        drawing.plot_full_correlation(dy, w, 0, 0, stride=2, x_shape=(9, 8))
    with pytest.raises(ValueError, match=r"rp must be in 0\.\.7"):
        drawing.plot_full_correlation(dy, w, 8, 0, stride=2, x_shape=(8, 8))


def test_weight_gradient_names_the_channels_it_shows():
    x, dy = np.arange(20.0).reshape(4, 5), np.ones((3, 3))
    plain = drawing.plot_weight_gradient(x, dy, 1, 0)
    named = drawing.plot_weight_gradient(x, dy, 1, 0, channels=(0, 2, 1))
    value = convlib.conv2d_grad_w(x, dy)[1, 0]
    assert plain.get_suptitle().startswith(r"$\partial L/\partial w[1, 0] =")
    assert named.get_suptitle().startswith(
        r"image 0's share of $\partial L/\partial w[2, 1, 1, 0] ="
    )
    assert named.get_suptitle().endswith(f"= {value:.0f}$")
    titles = [ax.get_title() for ax in named.axes]
    assert titles[0].startswith("$x[0, 1]$") and "w[2, 1, 1, 0]" in titles[0]
    assert titles[1].startswith(r"$\partial L/\partial y[0, 2]$")
    # (on two lines where the panel is narrow)
    assert " ".join(titles[2].split()) == r"image 0's share of $\partial L/\partial w[2, 1]$"
    for bad in ((0, 2), [0, 2, 1], (0, -1, 1), (0.0, 2, 1)):
        with pytest.raises(ValueError, match=r"channels must be a tuple \(n, o, i\)"):
            drawing.plot_weight_gradient(x, dy, 1, 0, channels=bad)


def test_the_player_draws_inserted_zeros_apart_from_padding():
    dy, w = np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 2))
    frame = frames.flip_frames(dy, w, stride=2)[0]
    svg = frame_svg(frame)
    grid = frame.panels[0]
    assert svg.count('class="cvl-inserted"') == len(grid.inserted) == 5
    assert svg.count('class="cvl-inserted-mark"') == 5  # a diagonal in each: not colour alone
    assert svg.count('class="cvl-muted"') == len(grid.muted)
    assert "∂L/∂y with zeros inserted (stride 2) and padded" in svg
    plain = frame_svg(frames.flip_frames(dy, w)[0])
    assert 'cvl-inserted"' not in plain and "∂L/∂y padded with zeros" in plain


def test_the_dilated_player_names_its_filter_flip_w_d():
    dy, w = np.ones((3, 3)), np.arange(9.0).reshape(3, 3)
    frame = frames.flip_frames(dy, w, dilation=2)[0]
    _, flipped, _ = frame.panels
    assert flipped.title == "flip(w_d) = (flip w)_d, dilation 2"
    assert flipped.values.shape == (5, 5) and flipped.values[0, 0] == w[2, 2]
    assert "flip(w_d)" in frame.caption
    holes = {(i, j) for i, j in np.ndindex(5, 5) if i % 2 or j % 2}
    assert set(flipped.muted) == holes
