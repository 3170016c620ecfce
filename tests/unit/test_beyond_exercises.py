"""The checkers of chapters 5 and 6 pass right answers and name each typical mistake."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

import convlib
from convlib.checkers import check_batch_grad_x, check_strided_grad_x


def padded(dy, w):
    k1, k2 = w.shape[2:]
    return np.pad(dy, ((0, 0), (0, 0), (k1 - 1, k1 - 1), (k2 - 1, k2 - 1)))


def batch_loops(dy, w):
    """eq-chan-dx written out, independently of convlib.conv2d_grad_x."""
    N, C_out, N1, N2 = dy.shape
    _, C_in, k1, k2 = w.shape
    dx = np.zeros((N, C_in, N1 + k1 - 1, N2 + k2 - 1))
    for n, i, rp, cp in np.ndindex(dx.shape):
        for o, a, b in np.ndindex(C_out, k1, k2):
            if 0 <= rp - a < N1 and 0 <= cp - b < N2:
                dx[n, i, rp, cp] += dy[n, o, rp - a, cp - b] * w[o, i, a, b]
    return dx


def strided_loops(dy, w, x_shape, s, p):
    """eq-spd-stride-dx on the padded input, cropped: independent of convlib."""
    (H, W), (N1, N2), (k1, k2) = x_shape, dy.shape, w.shape
    dxp = np.zeros((H + 2 * p, W + 2 * p))
    for rp, cp, a, b in np.ndindex(H + 2 * p, W + 2 * p, k1, k2):
        (r, r_rest), (c, c_rest) = divmod(rp - a, s), divmod(cp - b, s)
        if r_rest == c_rest == 0 and 0 <= r < N1 and 0 <= c < N2:
            dxp[rp, cp] += dy[r, c] * w[a, b]
    return dxp[p : p + H, p : p + W]


def test_right_answers_pass(capsys):
    check_batch_grad_x(batch_loops)
    check_batch_grad_x(lambda dy, w: convlib.conv2d(padded(dy, w), convlib.flip(w).swapaxes(0, 1)))
    check_strided_grad_x(strided_loops)
    check_strided_grad_x(
        lambda dy, w, shape, s, p: convlib.conv2d_grad_x(dy, w, shape, stride=s, padding=p)
    )
    out = capsys.readouterr().out
    assert out.count("check_batch_grad_x: correct on 5 cases") == 2
    assert out.count("check_strided_grad_x: correct on 6 cases") == 2


BATCH_MISTAKES = {
    "missing flip": lambda dy, w: convlib.conv2d(padded(dy, w), w.swapaxes(0, 1)),
    # With C_in != C_out NumPy-level code that forgets the swap raises; loops that forget it
    # read w[i, o] and run only when the sizes allow, so the checker meets it where they are equal.
    "channel axes not swapped": lambda dy, w: (
        convlib.conv2d(padded(dy, w), convlib.flip(w))
        if w.shape[0] == w.shape[1]
        else batch_loops(dy, w)
    ),
    "summed over the batch": lambda dy, w: np.broadcast_to(
        batch_loops(dy, w).sum(axis=0, keepdims=True), batch_loops(dy, w).shape
    ).copy(),
    "one output channel": lambda dy, w: batch_loops(dy[:, :1], w[:1]),
    "wrong shape": lambda dy, w: convlib.conv2d(dy, convlib.flip(w).swapaxes(0, 1)),
}


@pytest.mark.parametrize("mistake", BATCH_MISTAKES)
def test_batch_mistakes_are_named(mistake):
    with pytest.raises(AssertionError, match=rf"^{mistake} \(dy of shape"):
        check_batch_grad_x(BATCH_MISTAKES[mistake])


def test_batch_shape_hints_say_what_the_shape_is():
    def c_out_channels(dy, w):
        return np.zeros(
            (dy.shape[0], dy.shape[1], dy.shape[2] + w.shape[2] - 1, dy.shape[3] + w.shape[3] - 1)
        )

    with pytest.raises(AssertionError, match=r"That has C_out channels.*transpose\(1, 0, 2, 3\)"):
        check_batch_grad_x(c_out_channels)
    with pytest.raises(AssertionError, match="That is a 'valid' correlation of dy"):
        check_batch_grad_x(BATCH_MISTAKES["wrong shape"])
    with pytest.raises(AssertionError, match="That is the size of dy"):
        check_batch_grad_x(lambda dy, w: dy[:, :1].repeat(w.shape[1], axis=1))
    with pytest.raises(AssertionError, match="The batch axis is gone"):
        check_batch_grad_x(lambda dy, w: batch_loops(dy, w).sum(axis=0))


def swapless_numpy(dy, w):
    return convlib.conv2d(padded(dy, w), convlib.flip(w))  # raises when C_in != C_out


def test_an_exception_is_reported_as_the_students_with_a_hint_about_channels():
    with pytest.raises(
        AssertionError, match=r"your batch_grad_x raised ValueError.*If it is about channels"
    ) as info:
        check_batch_grad_x(swapless_numpy)
    assert isinstance(info.value.__cause__, ValueError)


def test_inputs_modified_none_and_not_callable():
    def in_place(dy, w):
        w *= 2
        return batch_loops(dy, w / 2)

    with pytest.raises(AssertionError, match=r"^input modified .*changed w in place"):
        check_batch_grad_x(in_place)
    with pytest.raises(AssertionError, match=r"^returned None"):
        check_strided_grad_x(lambda dy, w, shape, s, p: None)
    with pytest.raises(AssertionError, match=r"^not an array of real numbers"):
        check_strided_grad_x(lambda dy, w, shape, s, p: "dx")
    with pytest.raises(TypeError, match="expects your function itself, got ndarray"):
        check_strided_grad_x(np.zeros(3))
    with pytest.raises(TypeError, match="expects your function itself, got int"):
        check_batch_grad_x(3)


def through_zeros(spacing_of, crop):
    """A strided dL/dx built by zero insertion with a chosen spacing and crop: the mistakes."""

    def grad(dy, w, x_shape, s, p):
        (H, W), (N1, N2), (k1, k2) = x_shape, dy.shape, w.shape
        t = spacing_of(s)
        z = np.zeros((t * (N1 - 1) + 1, t * (N2 - 1) + 1))
        z[::t, ::t] = dy
        full = convlib.conv2d(np.pad(z, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1))), convlib.flip(w))
        dxp = np.zeros((H + 2 * p, W + 2 * p))
        rows, cols = min(full.shape[0], H + 2 * p), min(full.shape[1], W + 2 * p)
        dxp[:rows, :cols] = full[:rows, :cols]
        return crop(dxp, H, W, p)

    return grad


def centre(dxp, H, W, p):
    return dxp[p : p + H, p : p + W]


STRIDED_MISTAKES = {
    "missing flip": lambda dy, w, shape, s, p: strided_loops(dy, w[::-1, ::-1], shape, s, p),
    "no zeros inserted": through_zeros(lambda s: 1, centre),
    "too many zeros inserted": through_zeros(lambda s: s + 1, centre),
    "padding cropped on one side": through_zeros(lambda s: s, lambda dxp, H, W, p: dxp[:H, :W]),
}


@pytest.mark.parametrize("mistake", STRIDED_MISTAKES)
def test_strided_mistakes_are_named(mistake):
    check_strided_grad_x(through_zeros(lambda s: s, centre))  # the construction done right passes
    with pytest.raises(AssertionError, match=rf"^{mistake} \(dy of shape"):
        check_strided_grad_x(STRIDED_MISTAKES[mistake])


def test_strided_shape_hints():
    def padded_shape(dy, w, shape, s, p):
        return through_zeros(lambda s: s, lambda dxp, H, W, p: dxp)(dy, w, shape, s, p)

    with pytest.raises(AssertionError, match=r"That is the padded x_p: crop p rows"):
        check_strided_grad_x(padded_shape)

    def stops_at_last_window(dy, w, shape, s, p):
        (N1, N2), (k1, k2) = dy.shape, w.shape
        z = np.zeros((s * (N1 - 1) + 1, s * (N2 - 1) + 1))
        z[::s, ::s] = dy
        full = convlib.conv2d(np.pad(z, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1))), convlib.flip(w))
        return full[p : full.shape[0] - p, p : full.shape[1] - p]

    with pytest.raises(AssertionError, match=r"^wrong shape .*That stops at the last window"):
        check_strided_grad_x(stops_at_last_window)


@settings(max_examples=examples(20), deadline=None)
@given(st.floats(-3, 3).filter(lambda c: abs(c - 1) > 1e-3 and abs(c) > 1e-3))
def test_a_constant_factor_is_named_with_its_value(c):
    with pytest.raises(AssertionError, match=r"^off by a factor of "):
        check_strided_grad_x(lambda dy, w, shape, s, p: c * strided_loops(dy, w, shape, s, p))
    with pytest.raises(AssertionError, match=r"^off by a factor of "):
        check_batch_grad_x(lambda dy, w: c * batch_loops(dy, w))
