"""The animations' logic, on its own: every size, every position."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import convlib
from convlib import frames
from convlib.gradcheck import relative_error
from convlib.windows import FIRST, LAST, ONLY


@st.composite
def problems(draw):
    """Small integer arrays for one convolution: x, w, dy."""
    k1, k2, N1, N2 = (draw(st.integers(1, 4)) for _ in range(4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-3, 4, size=(N1 + k1 - 1, N2 + k2 - 1)).astype(float)
    w = rng.integers(-2, 3, size=(k1, k2)).astype(float)
    dy = rng.integers(-3, 4, size=(N1, N2)).astype(float)
    return x, w, dy


def panel(frame, title):
    (match,) = [p for p in frame.panels if p.title == title]
    return match


@given(problems())
def test_boxes_for_every_pixel(problem):
    x, w, dy = problem
    (k1, k2), (N1, N2) = w.shape, dy.shape
    dx = convlib.conv2d_grad_x(dy, w)
    for rp, cp in np.ndindex(x.shape):
        animation = frames.input_gradient_frames(dy, w, rp, cp)
        rows = min(rp, N1 - 1) - max(0, rp - k1 + 1) + 1
        cols = min(cp, N2 - 1) - max(0, cp - k2 + 1) + 1
        assert len(animation) == rows * cols
        if k1 - 1 <= rp < N1 and k2 - 1 <= cp < N2:  # no window crosses the border
            assert len(animation) == k1 * k2
            # The weights met, placed by window, are the flipped filter.
            np.testing.assert_array_equal(
                panel(animation[-1], "weights met, by window").values, convlib.flip(w)
            )
        else:
            assert "cross the border" in animation[-1].caption
        assert animation[-1].running_sum == pytest.approx(dx[rp, cp], abs=1e-12)
        labels = [f.extra["label"] for f in animation]
        assert labels[0] in (FIRST, ONLY) and labels[-1] in (LAST, ONLY)
        for f in animation:
            (box,) = panel(f, "x").boxes
            a, b = f.extra["weight"]
            # The window contains the pixel, which sits on w[a, b] in it.
            assert (box.r + a, box.c + b) == (rp, cp)
            assert panel(f, "w").cells == ((a, b),)
            assert panel(f, "∂L/∂y").cells == ((box.r, box.c),)


def test_corner_pixel_has_one_window():
    w, dy = np.ones((3, 3)), np.ones((4, 5))
    for rp, cp in [(0, 0), (0, 6), (5, 0), (5, 6)]:
        (only,) = frames.input_gradient_frames(dy, w, rp, cp)
        assert only.extra["label"] == ONLY and only.running_sum == 1.0


@given(problems(), st.data())
def test_weight_gradient_frames(problem, data):
    x, w, dy = problem
    (k1, k2), (N1, N2) = w.shape, dy.shape
    ap, bp = data.draw(st.integers(0, k1 - 1)), data.draw(st.integers(0, k2 - 1))
    animation = frames.weight_gradient_frames(x, dy, ap, bp)
    assert len(animation) == N1 * N2  # "What does this weight affect? Everything!"
    dw = convlib.conv2d_grad_w(x, dy)
    assert animation[-1].running_sum == pytest.approx(dw[ap, bp], abs=1e-12)
    for f in animation:
        r, c = f.extra["window"]
        assert panel(f, "x").cells == ((r + ap, c + bp),)
        assert panel(f, "x").boxes[0].r == r and panel(f, "x").boxes[0].c == c


@given(problems())
def test_forward_frames(problem):
    x, w, _ = problem
    y = convlib.conv2d(x, w)
    animation = frames.forward_frames(x, w)
    assert len(animation) == y.size
    for f in animation:
        assert f.running_sum == pytest.approx(y[f.extra["window"]], abs=1e-12)
    assert relative_error(panel(animation[-1], "y").values, y) < 1e-15


@given(problems())
def test_flip_frames(problem):
    x, w, dy = problem
    dx = convlib.conv2d_grad_x(dy, w)
    animation = frames.flip_frames(dy, w)
    assert len(animation) == dx.size
    for f in animation:
        assert f.running_sum == pytest.approx(dx[f.extra["pixel"]], abs=1e-12)
    last = animation[-1]
    assert relative_error(panel(last, "∂L/∂x").values, dx) < 1e-15
    padding = panel(last, "∂L/∂y padded with zeros")
    assert len(padding.muted) == padding.values.size - dy.size
    assert all(padding.values[cell] == 0 for cell in padding.muted)
    np.testing.assert_array_equal(panel(last, "flip(w)").values, convlib.flip(w))


@given(problems(), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2))
def test_flip_frames_with_stride_and_dilation(problem, s1, s2, extra, d):
    _, w, dy = problem
    (N1, N2), (k1, k2) = dy.shape, w.shape
    K1, K2 = d * (k1 - 1) + 1, d * (k2 - 1) + 1
    H = s1 * (N1 - 1) + K1 + min(extra, s1 - 1)  # rows past the last window, if the stride allows
    W = s2 * (N2 - 1) + K2 + min(extra, s2 - 1)
    animation = frames.flip_frames(dy, w, stride=(s1, s2), dilation=d, x_shape=(H, W))
    dx = convlib.conv2d_grad_x(dy, w, (H, W), stride=(s1, s2), dilation=d)
    assert len(animation) == H * W  # one frame per pixel of x, past the last window included
    for f in animation:
        assert f.running_sum == pytest.approx(dx[f.extra["pixel"]], abs=1e-12)
    grid, flipped, result = animation[-1].panels
    assert result.values.shape == (H, W) and relative_error(result.values, dx) < 1e-15
    # The grid holds dy's entries s apart; the cells between them are the inserted zeros and
    # the rest the padding, each drawn as its own kind, and no cell is both.
    inserted, padding = set(grid.inserted), set(grid.muted)
    assert not inserted & padding
    entries = {(K1 - 1 + s1 * r, K2 - 1 + s2 * c) for r, c in np.ndindex(N1, N2)}
    assert len(inserted) == (s1 * (N1 - 1) + 1) * (s2 * (N2 - 1) + 1) - N1 * N2
    assert inserted | padding | entries == set(np.ndindex(grid.values.shape))
    assert all(grid.values[cell] == 0 for cell in inserted | padding)
    np.testing.assert_array_equal([grid.values[cell] for cell in sorted(entries)], dy.ravel())
    assert ("stride" in grid.title) == ((s1, s2) != (1, 1))
    # The filter panel is flip(w_d), named so, with its holes greyed.
    w_d = np.zeros((K1, K2))
    w_d[::d, ::d] = w
    np.testing.assert_array_equal(flipped.values, convlib.flip(w_d))
    assert flipped.title == ("flip(w)" if d == 1 else "flip(w_d) = (flip w)_d, dilation 2")
    assert len(flipped.muted) == K1 * K2 - k1 * k2


def test_flip_frames_refuses_an_x_shape_that_does_not_give_dy():
    with pytest.raises(
        ValueError,
        match=r"x_shape must give dy's shape \(3, 3\).*from \(7, 7\) to \(8, 8\), got \(9, 8\)",
    ):
        frames.flip_frames(np.ones((3, 3)), np.ones((3, 3)), stride=2, x_shape=(9, 8))
    with pytest.raises(ValueError, match=r"stride must be at least 1, got \(0, 1\)"):
        frames.flip_frames(np.ones((3, 3)), np.ones((3, 3)), stride=(0, 1))
    with pytest.raises(TypeError, match="dilation must be an int or a pair of ints"):
        frames.flip_frames(np.ones((3, 3)), np.ones((3, 3)), dilation=1.5)


def test_bad_arguments():
    w, dy = np.ones((3, 3)), np.ones((4, 5))
    with pytest.raises(ValueError, match=r"rp must be in 0\.\.5 .*got 6"):
        frames.input_gradient_frames(dy, w, 6, 0)
    with pytest.raises(ValueError, match=r"dy must be 2-D"):
        frames.flip_frames(np.ones(3), w)
    with pytest.raises(ValueError, match=r"ap must be in 0\.\.2"):
        frames.weight_gradient_frames(np.ones((6, 7)), dy, 3, 0)
