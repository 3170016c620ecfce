"""The live widgets: what they show follows their controls, and their sums are convlib's values.

ipywidgets runs observers synchronously when a trait changes, so setting ``.value`` on a slider
here does what dragging it does in a notebook, with no kernel or browser.
"""

from html import escape

import ipywidgets
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ipywidgets.widgets.widget_link import Link
from strategies import examples

import convlib
from convlib.frames import fmt, input_gradient_frames
from convlib.web import widgets
from convlib.web.svg import frame_html
from convlib.web.widgets import (
    boxes_widget,
    flip_widget,
    forward_widget,
    frame_update_seconds,
    weight_gradient_widget,
)
from convlib.windows import windows_containing

FACTORIES = [forward_widget, weight_gradient_widget, boxes_widget, flip_widget]


def _same(frame, other):
    """Frames hold arrays (with NaN), so compare what they show: their HTML."""
    return frame_html(frame) == frame_html(other)


def _last(wid):
    wid.step.value = wid.step.max


@pytest.mark.parametrize("factory", FACTORIES)
def test_view_is_the_current_frame(factory):
    wid = factory()
    for i in [0, wid.step.max // 2, wid.step.max]:
        wid.step.value = i
        assert wid.frame is wid.frames[i]
        assert wid.view.value == frame_html(wid.frames[i])
        assert escape(wid.frames[i].caption) in wid.view.value
        assert "<svg" in wid.view.value


@pytest.mark.parametrize("factory", FACTORIES)
def test_widget_is_a_vbox_with_a_question(factory):
    wid = factory()
    assert isinstance(wid, ipywidgets.VBox)
    assert "?" in wid.header.value
    assert wid.header in wid.children and wid.sum_line in wid.children


@pytest.mark.parametrize("factory", FACTORIES)
def test_play_spans_the_frames_and_is_jslinked(factory):
    wid = factory()
    assert wid.play.max == wid.step.max == len(wid.frames) - 1
    assert isinstance(wid.link, Link)
    assert wid.link.source == (wid.play, "value")
    assert wid.link.target == (wid.step, "value")
    wid.controls["N2"].value = 2
    assert wid.play.max == wid.step.max == len(wid.frames) - 1


def test_forward_sum_line_is_conv2d_at_every_step():
    wid = forward_widget(seed=3)
    y = convlib.conv2d(wid.x, wid.w)
    np.testing.assert_array_equal(wid.reference, y)
    for i, frame in enumerate(wid.frames):
        wid.step.value = i
        r, c = frame.extra["window"]
        line = wid.sum_line.value
        assert f"running sum {fmt(frame.running_sum)};" in line
        assert f"convlib.conv2d gives y[{r}, {c}] = {fmt(y[r, c])}: they agree" in line
    assert wid.frame.running_sum == pytest.approx(y[-1, -1])


def test_weight_gradient_last_step_is_conv2d_grad_w():
    wid = weight_gradient_widget(k1=3, k2=3, N1=3, N2=4, seed=1)
    wid.controls["ap"].value, wid.controls["bp"].value = 1, 2
    dw = convlib.conv2d_grad_w(wid.x, wid.dy)
    assert len(wid.frames) == 12  # the weight is in every window
    assert "after 1 of 12 windows" in wid.sum_line.value
    _last(wid)
    assert wid.frame.running_sum == pytest.approx(dw[1, 2])
    line = wid.sum_line.value
    assert f"running sum {fmt(dw[1, 2])};" in line
    assert f"convlib.conv2d_grad_w gives ∂L/∂w[1, 2] = {fmt(dw[1, 2])}: they agree" in line


def test_boxes_last_step_is_conv2d_grad_x():
    wid = boxes_widget(seed=2)
    assert (wid.controls["rp"].value, wid.controls["cp"].value) == (2, 2)  # default k - 1
    assert len(wid.frames) == 9
    wid.controls["rp"].value, wid.controls["cp"].value = 3, 4
    dx = convlib.conv2d_grad_x(wid.dy, wid.w)
    assert wid.step.value == 0 and "after 1 of 9 windows" in wid.sum_line.value
    _last(wid)
    assert wid.frame.running_sum == pytest.approx(dx[3, 4])
    assert "③" in wid.frame.caption
    assert f"∂L/∂x[3, 4] = {fmt(dx[3, 4])}: they agree" in wid.sum_line.value


@settings(max_examples=examples(40))
@given(
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(0, 50),
    st.data(),
)
def test_boxes_every_pixel_has_its_windows_and_convlib_sum(k1, k2, N1, N2, seed, data):
    wid = boxes_widget(k1, k2, N1, N2, seed)
    rp = data.draw(st.integers(0, N1 + k1 - 2))
    cp = data.draw(st.integers(0, N2 + k2 - 2))
    wid.controls["rp"].value, wid.controls["cp"].value = rp, cp
    assert len(wid.frames) == len(windows_containing(rp, cp, (N1, N2), (k1, k2)))
    _last(wid)
    dx = convlib.conv2d_grad_x(wid.dy, wid.w)
    assert wid.frame.running_sum == pytest.approx(dx[rp, cp])
    assert f"∂L/∂x[{rp}, {cp}] = {fmt(dx[rp, cp])}: they agree" in wid.sum_line.value


@pytest.mark.parametrize("corner", ["top left", "top right", "bottom left", "bottom right"])
def test_boxes_corner_pixel_has_one_window_and_says_why(corner):
    wid = boxes_widget(k1=3, k2=3, N1=4, N2=5)
    H, W = wid.x.shape
    rp = 0 if "top" in corner else H - 1
    cp = 0 if "left" in corner else W - 1
    wid.controls["rp"].value, wid.controls["cp"].value = rp, cp
    assert len(wid.frames) == 1 and wid.step.max == 0 and wid.play.max == 0
    assert "border" in wid.frame.caption and "①=③" in wid.frame.caption
    assert "border" in wid.view.value
    dx = convlib.conv2d_grad_x(wid.dy, wid.w)
    assert f"∂L/∂x[{rp}, {cp}] = {fmt(dx[rp, cp])}: they agree" in wid.sum_line.value


def test_boxes_edge_pixel_has_fewer_windows():
    wid = boxes_widget(k1=3, k2=3, N1=4, N2=5, rp=0, cp=3)
    assert len(wid.frames) == 3  # one row of windows reaches row 0, three columns reach column 3
    wid.step.value = 2
    assert "border" in wid.frame.caption


def test_sizes_reshape_arrays_and_clamp_positions():
    wid = boxes_widget(k1=4, k2=3, N1=4, N2=5)
    rp = wid.controls["rp"]
    rp.value = rp.max
    assert rp.max == 6 and wid.x.shape == (7, 7)
    wid.controls["k1"].value = 1
    assert wid.w.shape == (1, 3) and wid.x.shape == (4, 7) and wid.dy.shape == (4, 5)
    assert rp.max == 3 and rp.value == 3
    wid.controls["N1"].value = 2
    assert wid.x.shape == (2, 7) and wid.dy.shape == (2, 5)
    assert rp.max == 1 and rp.value == 1
    expected = input_gradient_frames(wid.dy, wid.w, 1, wid.controls["cp"].value)
    assert list(map(frame_html, wid.frames)) == list(map(frame_html, expected))
    assert wid.view.value == frame_html(wid.frame)


def test_weight_positions_follow_the_filter_size():
    wid = weight_gradient_widget(k1=4, k2=4, ap=3, bp=3)
    wid.controls["k1"].value, wid.controls["k2"].value = 2, 1
    assert (wid.controls["ap"].max, wid.controls["bp"].max) == (1, 0)
    assert (wid.controls["ap"].value, wid.controls["bp"].value) == (1, 0)
    assert wid.w.shape == (2, 1) and wid.x.shape == (4, 4)
    _last(wid)
    dw = convlib.conv2d_grad_w(wid.x, wid.dy)
    assert f"∂L/∂w[1, 0] = {fmt(dw[1, 0])}: they agree" in wid.sum_line.value


def test_changing_sizes_restarts_the_step():
    wid = forward_widget()
    _last(wid)
    wid.controls["N1"].value = 1
    assert wid.step.value == 0 and len(wid.frames) == 4 and wid.step.max == 3


def test_seed_and_new_numbers_redraw_the_arrays():
    wid = weight_gradient_widget(seed=5)
    x = wid.x.copy()
    again = weight_gradient_widget(seed=5)
    np.testing.assert_array_equal(again.x, x)
    np.testing.assert_array_equal(flip_widget(seed=5).w, wid.w)  # one seed, the same numbers
    wid.new_numbers.click()
    assert wid.controls["seed"].value == 6 and not np.array_equal(wid.x, x)
    wid.controls["seed"].value = 5
    np.testing.assert_array_equal(wid.x, x)
    assert wid.view.value == frame_html(wid.frame)
    seed = wid.controls["seed"]
    seed.value = seed.max
    wid.new_numbers.click()
    assert seed.value == 0


def test_arrays_are_small_integers():
    wid = flip_widget(k1=4, k2=4, N1=6, N2=6, seed=7)
    for array, bound in [(wid.x, 3), (wid.w, 2), (wid.dy, 3)]:
        assert array.dtype == float and np.all(array == np.round(array))
        assert np.abs(array).max() <= bound


def test_flip_and_boxes_agree_on_every_pixel():
    wid = flip_widget(k1=3, k2=2, N1=3, N2=4, seed=4)
    dx = convlib.conv2d_grad_x(wid.dy, wid.w)
    H, W = wid.x.shape
    for rp in range(H):
        for cp in range(W):
            wid.controls["rp"].value, wid.controls["cp"].value = rp, cp
            assert wid.step.value == rp * W + cp and wid.frame.extra["pixel"] == (rp, cp)
            last_box = input_gradient_frames(wid.dy, wid.w, rp, cp)[-1]
            assert _same(wid.boxes_frame, last_box)
            assert wid.boxes_view.value == frame_html(last_box)
            assert wid.view.value == frame_html(wid.frame)
            assert wid.frame.running_sum == pytest.approx(dx[rp, cp])
            assert wid.boxes_frame.running_sum == pytest.approx(dx[rp, cp])
            line = wid.sum_line.value
            assert f"flip(w): {fmt(dx[rp, cp])}; boxes ①…③: running sum {fmt(dx[rp, cp])};" in line
            assert f"∂L/∂x[{rp}, {cp}] = {fmt(dx[rp, cp])}: they agree" in line


def test_flip_step_moves_the_pixel_sliders_and_sizes_keep_the_pixel():
    wid = flip_widget(k1=3, k2=3, N1=3, N2=4)
    assert wid.frame.extra["pixel"] == (2, 2)
    wid.step.value = 7
    assert (wid.controls["rp"].value, wid.controls["cp"].value) == divmod(7, 6)
    wid.controls["N2"].value = 1
    assert wid.x.shape == (5, 3) and wid.frame.extra["pixel"] == (1, 1) and wid.step.value == 4
    assert _same(wid.boxes_frame, input_gradient_frames(wid.dy, wid.w, 1, 1)[-1])


def test_step_changes_reuse_the_frames(monkeypatch):
    calls = []

    def counting(name, function):
        def wrapped(*args):
            calls.append(name)
            return function(*args)

        monkeypatch.setattr(widgets, name, wrapped)

    for name in ["forward_frames", "weight_gradient_frames", "input_gradient_frames"]:
        counting(name, getattr(widgets, name))
    counting("flip_frames", widgets.flip_frames)
    counting("frame_html", widgets.frame_html)
    for factory in [forward_widget, weight_gradient_widget, boxes_widget]:
        wid = factory()
        frames = wid.frames
        calls.clear()
        for i in [1, 0, 1, 0]:
            wid.step.value = i
        assert wid.frames is frames
        assert calls == ["frame_html"]  # frame 1 drawn once; frame 0 was drawn at the start
    wid = flip_widget()
    frames = wid.frames
    calls.clear()
    wid.step.value = 0
    wid.step.value = 14
    assert wid.frames is frames and "flip_frames" not in calls
    assert calls.count("input_gradient_frames") == 1  # pixel 0's box ③; pixel 14's was cached


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"k1": 0}, ValueError, r"k1 must be in 1\.\.4 \(the filter's rows\), got 0"),
        ({"k2": 5}, ValueError, r"k2 must be in 1\.\.4"),
        ({"N1": 7}, ValueError, r"N1 must be in 1\.\.6 \(the output's rows\), got 7"),
        ({"N2": 2.0}, TypeError, r"N2 must be an int in 1\.\.6 .*got 2\.0"),
        ({"k1": True}, TypeError, r"k1 must be an int"),
        ({"seed": -1}, ValueError, r"seed must be a non-negative int .*got -1"),
        ({"seed": 1.5}, TypeError, r"seed must be a non-negative int, got 1\.5"),
    ],
)
@pytest.mark.parametrize("factory", FACTORIES)
def test_bad_arguments_are_refused(factory, kwargs, error, match):
    with pytest.raises(error, match=match):
        factory(**kwargs)


def test_bad_positions_are_refused():
    with pytest.raises(ValueError, match=r"rp must be in 0\.\.5 \(a row of x, 0\.\.5 for these"):
        boxes_widget(rp=6)
    with pytest.raises(ValueError, match=r"cp must be in 0\.\.5 .*got -1"):
        flip_widget(cp=-1)
    with pytest.raises(TypeError, match=r"bp must be an int \(a column of w"):
        weight_gradient_widget(bp=1.0)
    with pytest.raises(ValueError, match=r"ap must be in 0\.\.1"):
        weight_gradient_widget(k1=2, ap=2)


@pytest.mark.parametrize("factory", FACTORIES)
def test_frame_update_seconds_is_positive_and_keeps_the_step(factory):
    wid = factory(k1=2, k2=2, N1=2, N2=2)
    wid.step.value = 1
    seconds = frame_update_seconds(wid, repeats=2)
    assert isinstance(seconds, float) and seconds > 0
    assert wid.step.value == 1 and wid.view.value == frame_html(wid.frame)


def test_frame_update_seconds_one_frame_and_bad_arguments():
    wid = boxes_widget(1, 1, 1, 1)
    assert len(wid.frames) == 1 and frame_update_seconds(wid, repeats=1) > 0
    with pytest.raises(TypeError, match="widget must be a convlib.web.widgets widget, got VBox"):
        frame_update_seconds(ipywidgets.VBox())
    with pytest.raises(ValueError, match="repeats must be a positive int, got 0"):
        frame_update_seconds(wid, repeats=0)
