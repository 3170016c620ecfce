"""The exercise checkers pass right answers in any style and name each classic mistake."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.lib.stride_tricks import sliding_window_view
from strategies import examples

import convlib
from convlib.checkers import exercises
from convlib.checkers.exercises import check_conv2d, check_grad_w, check_grad_x

# Right answers, as students might write them.


def loop_conv2d(x, w):
    (H, W), (k1, k2) = x.shape, w.shape
    y = np.zeros((H - k1 + 1, W - k2 + 1))
    for r in range(H - k1 + 1):
        for c in range(W - k2 + 1):
            for a in range(k1):
                for b in range(k2):
                    y[r, c] += x[r + a, c + b] * w[a, b]
    return y


def loop_grad_w(x, dy):
    (H, W), (N1, N2) = x.shape, dy.shape
    dw = np.zeros((H - N1 + 1, W - N2 + 1))
    for a in range(H - N1 + 1):
        for b in range(W - N2 + 1):
            for r in range(N1):
                for c in range(N2):
                    dw[a, b] += dy[r, c] * x[r + a, c + b]
    return dw


def loop_grad_x(dy, w):
    (N1, N2), (k1, k2) = dy.shape, w.shape
    dx = np.zeros((N1 + k1 - 1, N2 + k2 - 1))
    for rp in range(N1 + k1 - 1):
        for cp in range(N2 + k2 - 1):
            for a in range(k1):
                for b in range(k2):
                    if 0 <= rp - a < N1 and 0 <= cp - b < N2:
                        dx[rp, cp] += dy[rp - a, cp - b] * w[a, b]
    return dx


def einsum_conv2d(x, w):
    return np.einsum("rcab,ab->rc", sliding_window_view(x, w.shape), w)


def einsum_grad_w(x, dy):
    k = (x.shape[0] - dy.shape[0] + 1, x.shape[1] - dy.shape[1] + 1)
    return np.einsum("abrc,rc->ab", sliding_window_view(x, dy.shape), dy)[: k[0], : k[1]]


def full(dy, w):
    """dy zero-padded by k - 1 on each side."""
    return np.pad(dy, ((w.shape[0] - 1,) * 2, (w.shape[1] - 1,) * 2))


def flip_grad_x(dy, w):
    return einsum_conv2d(full(dy, w), w[::-1, ::-1])


def float32_conv2d(x, w):
    return einsum_conv2d(x.astype(np.float32), w.astype(np.float32))


def float32_grad_w(x, dy):
    return einsum_grad_w(x.astype(np.float32), dy.astype(np.float32))


def float32_grad_x(dy, w):
    return flip_grad_x(dy.astype(np.float32), w.astype(np.float32))


RIGHT = [
    (check_conv2d, loop_conv2d),
    (check_conv2d, convlib.conv2d),
    (check_conv2d, einsum_conv2d),
    (check_conv2d, float32_conv2d),
    (check_conv2d, lambda x, w: loop_conv2d(x, w).tolist()),
    (check_grad_w, loop_grad_w),
    (check_grad_w, convlib.conv2d_grad_w),
    (check_grad_w, einsum_grad_w),
    (check_grad_w, float32_grad_w),
    (check_grad_w, lambda x, dy: [list(row) for row in loop_grad_w(x, dy)]),
    (check_grad_x, loop_grad_x),
    (check_grad_x, convlib.conv2d_grad_x),
    (check_grad_x, flip_grad_x),
    (check_grad_x, lambda dy, w: convlib.conv2d(full(dy, w), convlib.flip(w))),
    (check_grad_x, float32_grad_x),
    (check_grad_x, lambda dy, w: loop_grad_x(dy, w).tolist()),
]


@pytest.mark.parametrize(("check", "fn"), RIGHT)
def test_right_answers_pass_with_one_line(check, fn, capsys):
    assert check(fn) is None
    out = capsys.readouterr().out
    name = check.__name__
    assert out == (
        f"{name}: correct on 6 cases, including non-square images and kernels and a 1x1 filter.\n"
    )


# Mistakes, each with a pattern its message must match.


def only_square(mistake, right):
    """Wrong only when the kernel is square: the first non-square cases pass."""
    return lambda a, b: (mistake if b.shape[0] == b.shape[1] else right)(a, b)


def modifies_x(x, w):
    x[0, 0] = 0
    return loop_conv2d(x, w)


def modifies_dy(dy, w):
    dy *= 2
    return loop_grad_x(dy, w)


def stops_one_row_early(x, w):
    y = loop_conv2d(x, w)
    y[-1] = 0  # as if the loop over r ran to N1 - 1
    return y


def slices_one_row_late(x, w):
    (H, W), (k1, k2) = x.shape, w.shape
    y = np.zeros((H - k1 + 1, W - k2 + 1))
    for r in range(H - k1 + 1):
        for c in range(W - k2 + 1):
            # Off by one; on the last row the slice is short and broadcasting hides it.
            y[r, c] = np.sum(x[r + 1 : r + 1 + k1, c : c + k2] * w)
    return y


def unassigned(x, w):
    y = loop_conv2d(x, w)
    y[1, 1] = np.nan
    return y


MISTAKES = [
    # The forward pass.
    (
        check_conv2d,
        lambda x, w: loop_conv2d(x, w[::-1, ::-1]),
        r"^flipped kernel \(x of shape \(5, 7\), w of shape \(2, 3\)\): .*rotated by 180",
    ),
    (check_conv2d, lambda x, w: loop_conv2d(x, w[::-1]), r"^flipped kernel .*upside down"),
    (check_conv2d, lambda x, w: loop_conv2d(x, w[:, ::-1]), r"^flipped kernel .*left to right"),
    (
        check_conv2d,
        lambda x, w: loop_conv2d(x, w).T,
        r"^wrong shape .*y must be \(N1, N2\) = \(H - k1 \+ 1, W - k2 \+ 1\) = \(4, 5\); "
        r"your conv2d returned \(5, 4\)\. Rows and columns are swapped",
    ),
    (
        check_conv2d,
        lambda x, w: loop_conv2d(np.pad(x, ((0, w.shape[0] - 1), (0, w.shape[1] - 1))), w),
        r"^wrong shape .*= \(4, 5\); your conv2d returned \(5, 7\)\. That is the shape of x",
    ),
    (
        check_conv2d,
        lambda x, w: loop_conv2d(x, w)[:-1],
        r"^wrong shape .*returned \(3, 5\)\. One off",
    ),
    (
        check_conv2d,
        only_square(lambda x, w: loop_conv2d(x, w.T), loop_conv2d),
        r"^rows and columns swapped \(x of shape \(3, 3\), w of shape \(3, 3\)\)",
    ),
    (
        check_conv2d,
        only_square(lambda x, w: loop_conv2d(x.T, w).T, loop_conv2d),
        r"^rows and columns swapped",
    ),
    (
        check_conv2d,
        lambda x, w: np.roll(loop_conv2d(x, w), 1, axis=1),
        r"^shifted .*y moved 1 column right",
    ),
    (
        check_conv2d,
        lambda x, w: np.roll(loop_conv2d(x, w), -1, axis=0),
        r"^shifted .*y moved 1 row up",
    ),
    (check_conv2d, slices_one_row_late, r"^shifted .*y moved 1 row up.*off by one"),
    (check_conv2d, lambda x, w: -loop_conv2d(x, w), r"^off by a factor of -1 .*A sign is wrong"),
    (check_conv2d, lambda x, w: 2 * loop_conv2d(x, w), r"^off by a factor of 2 "),
    (check_conv2d, modifies_x, r"^input modified .*changed x in place \(at \(0, 0\)"),
    (
        check_conv2d,
        stops_one_row_early,
        r"^wrong values .*5 of 20 entries are wrong; all in row 3; yours is 0 at all of them",
    ),
    (check_conv2d, unassigned, r"^not a number .*nan at \(1, 1\).*np\.empty"),
    (check_conv2d, lambda x, w: np.zeros((x.shape[0] - w.shape[0] + 1, 5)), r"^all zeros"),
    (
        check_conv2d,
        lambda x, w: loop_conv2d(x, w).astype(int),
        r"^wrong values .*dtype int64, which drops fractions",
    ),
    # dL/dw.
    (check_grad_w, lambda x, dy: loop_grad_w(x, dy[::-1, ::-1]), r"^flipped dy .*has no flip"),
    (check_grad_w, lambda x, dy: loop_grad_w(x, dy)[::-1, ::-1], r"^flipped result"),
    (check_grad_w, lambda x, dy: loop_grad_w(x, dy).T, r"^wrong shape .*Rows and columns"),
    (
        check_grad_w,
        lambda x, dy: loop_grad_w(x, dy) / dy.size,
        r"^off by a factor of 1/20 .*np\.mean",
    ),
    (
        check_grad_w,
        lambda x, dy: loop_grad_x(dy, np.ones((x.shape[0] - dy.shape[0] + 1, 3))),
        r"^wrong shape .*must be the shape of w, \(k1, k2\) = .* = \(2, 3\); your grad_w "
        r"returned \(5, 7\)\. That is the shape of x",
    ),
    (check_grad_w, lambda x, dy: -loop_grad_w(x, dy), r"^off by a factor of -1 "),
    # dL/dx.
    (
        check_grad_x,
        lambda dy, w: einsum_conv2d(full(dy, w), w),
        r"^missing flip \(dy of shape \(4, 5\), w of shape \(2, 3\)\): .*flip\(w\)",
    ),
    (check_grad_x, lambda dy, w: einsum_conv2d(full(dy, w), w[::-1]), r"^half a flip"),
    (
        check_grad_x,
        lambda dy, w: einsum_conv2d(dy, w[::-1, ::-1]),
        r"^wrong shape .*must be the shape of x, \(H, W\) = \(N1 \+ k1 - 1, N2 \+ k2 - 1\) = "
        r"\(5, 7\); your grad_x returned \(3, 3\)\. That is what a 'valid' correlation",
    ),
    (
        check_grad_x,
        lambda dy, w: einsum_conv2d(np.pad(dy, 1), w[::-1, ::-1]),
        r"^wrong shape .*\(5, 7\); your grad_x returned \(5, 5\)\. That is what padding dy by "
        r"1 row and 1 column on each side gives: the padding must be k1 - 1 = 1 row and "
        r"k2 - 1 = 2 columns",
    ),
    (
        check_grad_x,
        lambda dy, w: einsum_conv2d(
            np.pad(dy, ((w.shape[0] - 1,) * 2, (w.shape[1] - 1,) * 2), mode="edge"),
            w[::-1, ::-1],
        ),
        r"^wrong border .*right inside but not near the edges.*pad dy with k1 - 1 = 1 row "
        r"and k2 - 1 = 2 columns of zeros",
    ),
    (
        check_grad_x,
        lambda dy, w: (
            loop_grad_x(dy, w)
            * np.pad(
                np.ones((dy.shape[0] - w.shape[0] + 1, dy.shape[1] - w.shape[1] + 1)),
                ((w.shape[0] - 1,) * 2, (w.shape[1] - 1,) * 2),
            )
        ),
        r"^wrong border",
    ),
    (check_grad_x, lambda dy, w: loop_grad_x(dy, w).T, r"^wrong shape .*Rows and columns"),
    (
        check_grad_x,
        lambda dy, w: einsum_conv2d(
            np.pad(dy, ((w.shape[0], w.shape[0] - 2), (w.shape[1] - 1,) * 2)), w[::-1, ::-1]
        ),
        r"^shifted .*dL/dx moved 1 row down",
    ),
    (check_grad_x, modifies_dy, r"^input modified .*changed dy in place.*dy\.copy\(\)"),
    (check_grad_x, lambda dy, w: 2 * loop_grad_x(dy, w), r"^off by a factor of 2 "),
    (check_grad_x, lambda dy, w: -loop_grad_x(dy, w), r"^off by a factor of -1 "),
    (check_grad_x, lambda dy, w: None, r"^returned None .*forget `return dx`"),
    (check_grad_x, lambda dy, w: "dx", r"^not an array .*returned 'dx' \(type str\)"),
    (
        check_grad_x,
        lambda dy, w: loop_grad_x(dy, w) + 0j,
        r"^not an array of real numbers .*\(type ndarray, dtype complex128\)",
    ),
    (
        check_grad_x,
        lambda dy, w: loop_grad_w(np.pad(dy, 1), dy)[: w.shape[0], : w.shape[1]],
        r"^wrong shape .*returned \(2, 3\)\. That is the shape of w",
    ),
    (
        check_grad_x,
        lambda dy, w: [[1.0, 2.0], [3.0]],
        r"^not an array .*\(type list, rows of different lengths\)",
    ),
    (check_grad_x, lambda dy, w: float(np.sum(dy)), r"^wrong shape .*It must be 2-D, not 0-D"),
]


@pytest.mark.parametrize(("check", "fn", "pattern"), MISTAKES)
def test_each_mistake_is_named(check, fn, pattern, capsys):
    with pytest.raises(AssertionError, match=pattern):
        check(fn)
    assert capsys.readouterr().out == ""


def test_an_exception_in_the_students_code_is_reported_as_theirs():
    original = ValueError("operands could not be broadcast")

    def grad_x(dy, w):
        raise original

    with pytest.raises(AssertionError) as caught:
        check_grad_x(grad_x)
    message = str(caught.value)
    assert message.startswith(
        "your grad_x raised ValueError: operands could not be broadcast "
        "(called as grad_x(dy, w), dy of shape (4, 5), w of shape (2, 3))."
    )
    assert "The traceback above points at the line." in message
    assert caught.value.__cause__ is original


def test_an_index_error_points_at_the_loop_bounds():
    def conv2d(x, w):
        (H, W), (k1, k2) = x.shape, w.shape
        y = np.zeros((H - k1 + 1, W - k2 + 1))
        for r in range(H - k1 + 1):
            for c in range(W - k2 + 1):
                for a in range(k1):
                    for b in range(k2):
                        y[r, c] += x[r + a + 1, c + b] * w[a, b]
        return y

    with pytest.raises(AssertionError, match=r"raised IndexError: .*check your loop bounds"):
        check_conv2d(conv2d)


def test_a_wrong_signature_is_reported_as_the_students_error():
    with pytest.raises(AssertionError, match=r"your grad_w raised TypeError: .*grad_w\(x, dy\)"):
        check_grad_w(lambda x: x)


def test_passing_a_result_instead_of_the_function_is_a_type_error():
    with pytest.raises(TypeError, match=r"check_conv2d expects your function itself.*ndarray"):
        check_conv2d(np.zeros((4, 5)))


# Diagnoses for the filter turned instead of flipped, the padding, np.empty and missing names.


def turned_grad_x(turn):
    return lambda dy, w: einsum_conv2d(full(dy, w), turn(w))


@pytest.mark.parametrize("turn", [lambda w: w.T, np.rot90, lambda w: np.rot90(w, -1)])
def test_a_filter_turned_instead_of_flipped_is_named_by_its_shape(turn):
    with pytest.raises(AssertionError, match=r"^wrong shape .*a k2 x k1 filter.*rotation by 90"):
        check_grad_x(turned_grad_x(turn))


@pytest.mark.parametrize("turn", [lambda w: w.T, np.rot90, lambda w: np.rot90(w, -1)])
def test_a_square_filter_turned_instead_of_flipped_is_named(turn):
    fn = only_square(turned_grad_x(turn), flip_grad_x)
    with pytest.raises(AssertionError, match=r"^rotated, not flipped .*instead of flipped"):
        check_grad_x(fn)


@pytest.mark.parametrize("extra", [1, 2])
def test_dy_padded_by_the_wrong_amount_says_padding(extra):
    def grad_x(dy, w):
        k1, k2 = w.shape
        return einsum_conv2d(np.pad(dy, ((k1 - 1 + extra,) * 2, (k2 - 1 + extra,) * 2)), flip(w))

    rows, cols = 1 + extra, 2 + extra
    with pytest.raises(
        AssertionError,
        match=rf"^wrong shape .*padding dy by {rows} rows and {cols} columns on each side gives: "
        r"the padding must be k1 - 1 = 1 row and k2 - 1 = 2 columns",
    ):
        check_grad_x(grad_x)


def flip(w):
    return w[::-1, ::-1]


def test_an_output_started_from_np_empty_shows_leftover_values():
    def conv2d(x, w):
        (H, W), (k1, k2) = x.shape, w.shape
        y = np.empty((H - k1 + 1, W - k2 + 1))
        for r in range(H - k1 + 1):
            for c in range(W - k2 + 1):
                for a in range(k1):
                    for b in range(k2):
                        y[r, c] += x[r + a, c + b] * w[a, b]
        return y

    with pytest.raises(AssertionError, match=r"^leftover values .*np\.empty.*np\.zeros"):
        check_conv2d(conv2d)


def test_a_name_that_is_not_defined_is_named():
    with pytest.raises(NameError, match=r"'grad_x_mine' is not defined: run the cell"):
        check_grad_x("grad_x_mine")


def test_a_name_is_looked_up_where_the_check_is_called(capsys):
    check_grad_x("loop_grad_x")
    assert "check_grad_x: correct on 6 cases" in capsys.readouterr().out


def test_none_instead_of_a_function_says_what_to_define():
    with pytest.raises(TypeError, match=r"got None: is grad_w defined with `def grad_w\(x, dy\):`"):
        check_grad_w(None)


def test_an_infinite_loop_ends_with_a_time_limit():
    def conv2d(x, w):
        while True:
            pass

    with pytest.raises(
        AssertionError, match=r"^time limit: your conv2d \(x of shape \(5, 7\).*within 0\.5 s"
    ):
        check_conv2d(conv2d, time_limit=0.5)


# The dtype policy: one tolerance, float32 in, float16 out.

policy_cases = st.tuples(
    st.integers(1, 6), st.integers(1, 6), st.integers(1, 4), st.integers(1, 4), st.integers(0, 99)
)


@given(policy_cases)
def test_a_correct_float32_computation_agrees_whatever_dtype_holds_it(case):
    N1, N2, k1, k2, seed = case
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((N1 + k1 - 1, N2 + k2 - 1)), rng.standard_normal((k1, k2))
    expected = convlib.conv2d(x, w)
    in_float32 = loop_conv2d(x.astype(np.float32), w.astype(np.float32))
    assert exercises.agrees(in_float32, expected)  # float64 array, float32 precision
    assert exercises.agrees(in_float32.astype(np.float32), expected)
    exercises.assert_agrees(in_float32, expected)


@given(policy_cases)
def test_a_float16_result_is_refused_with_its_dtype_named(case):
    N1, N2, k1, k2, seed = case
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((N1 + k1 - 1, N2 + k2 - 1)), rng.standard_normal((k1, k2))
    expected = convlib.conv2d(x, w)
    assert not exercises.agrees(expected.astype(np.float16), expected)
    with pytest.raises(AssertionError, match=r"dtype float16, which keeps only about 3"):
        exercises.assert_agrees(expected.astype(np.float16), expected)


@given(policy_cases, st.floats(2e-5, 9e-3))
def test_a_small_relative_error_is_called_imprecise(case, error):
    N1, N2, k1, k2, seed = case
    rng = np.random.default_rng(seed)
    expected = rng.standard_normal((N1, N2)) + 0.5
    got = expected.copy()
    got.flat[np.argmax(np.abs(got))] *= 1 + error
    assert not exercises.agrees(got, expected)
    with pytest.raises(AssertionError, match=r"imprecise: relative error"):
        exercises.assert_agrees(got, expected)


def float16_conv2d(x, w):
    return loop_conv2d(x, w).astype(np.float16)


def stored_float32_grad_x(dy, w):
    dx = np.zeros((dy.shape[0] + w.shape[0] - 1, dy.shape[1] + w.shape[1] - 1))
    dx[...] = flip_grad_x(dy.astype(np.float32), w.astype(np.float32))
    return dx


def test_the_checkers_follow_the_policy(capsys):
    check_grad_x(stored_float32_grad_x)  # float32 work in a float64 array: right
    assert "correct on 6 cases" in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"^too imprecise .*dtype float16.*about 3 sig"):
        check_conv2d(float16_conv2d)
    with pytest.raises(AssertionError, match=r"^too imprecise .*about 4 significant digits only"):
        check_conv2d(lambda x, w: np.round(loop_conv2d(x, w), 3))
    # 5% off, in float16: refused (the old tolerance followed the dtype and let it through).
    with pytest.raises(AssertionError, match=r"float16"):
        check_conv2d(lambda x, w: (1.05 * loop_conv2d(x, w)).astype(np.float16))


# Whatever array a student's function returns, the checker answers with a diagnosis.

results = st.sampled_from(["?", "i1", "u8", "i8", "f2", "f4", "f8"]).flatmap(
    lambda dt: hnp.arrays(
        np.dtype(dt),
        st.sampled_from([(4, 5), (5, 4), (1, 1), (0, 5), (4, 5, 1), ()]),
        elements=hnp.from_dtype(np.dtype(dt), allow_nan=True, allow_infinity=True)
        if dt.startswith("f")
        else None,
    )
)


@settings(max_examples=examples(150), deadline=None)
@given(results)
def test_any_array_returned_gets_a_diagnosis_not_a_crash(result):
    try:
        check_conv2d(lambda x, w: result)
    except AssertionError as err:
        assert str(err).split(" (")[0] and "x of shape (5, 7)" in str(err)
    else:  # only a right answer passes, and no array drawn here is one
        pytest.fail("a wrong result passed")
