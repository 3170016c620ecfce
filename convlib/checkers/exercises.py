"""Checkers for the students' ``conv2d``, ``grad_w`` and ``grad_x``, with diagnoses that teach.

Each checker calls the student's function on six cases (non-square images and kernels, a 1 x 1
and an image-sized filter, a larger case) with random float64 arrays from a fixed seed, and prints
one line if every result is right. Otherwise it raises ``AssertionError`` about the first failing
case: the student's code raised, changed an input, returned no array or the wrong shape, or gave
what a known mistake gives (each computed with convlib and compared); failing all of these, it
says where the largest error is. Each message but an exception's starts with the mistake's name.
Each call of the student's function has a time limit (10 s by default), so an infinite loop ends
with a message instead of hanging the notebook.

One dtype policy (:func:`precision_problem`, :func:`agrees`, :func:`assert_agrees`) decides what
"right" means here and in the autograder's hidden tests: any real array whose values agree with the
answer to a relative error of at most ``RTOL = 1e-5`` (about a hundred float32 round-offs, relative
to the largest entry) is right, whatever its dtype; float16 results are refused, because float16
keeps about three significant digits, far too few for ``RTOL``.

>>> import convlib
>>> check_conv2d(convlib.conv2d)
check_conv2d: correct on 6 cases, including non-square images and kernels and a 1x1 filter.
>>> check_conv2d(lambda x, w: convlib.conv2d(x, convlib.flip(w)))  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
AssertionError: flipped kernel (x of shape (5, 7), w of shape (2, 3)): your conv2d uses w ...
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..fast import conv2d, conv2d_grad_w, conv2d_grad_x
from ..gradcheck import relative_error
from .checking import (
    _IMPRECISE,
    RTOL,
    TIME_LIMIT,
    agrees,
    assert_agrees,
    call_student,
    index_text,
    number_text,
    precision_problem,
    real_array,
    time_limit,
)

__all__ = [
    "RTOL",
    "TIME_LIMIT",
    "agrees",
    "assert_agrees",
    "check_conv2d",
    "check_grad_w",
    "check_grad_x",
    "precision_problem",
    "time_limit",
]

# (H, W, k1, k2). The first case is small but non-square everywhere, so most mistakes show there,
# on arrays small enough to print and work through by hand.
CASES = ((5, 7, 2, 3), (6, 4, 3, 1), (4, 4, 1, 1), (3, 3, 3, 3), (4, 6, 2, 2), (11, 9, 4, 3))
SEED = 20240917

# ---------------------------------------------------------------- leftover values (np.empty)

# Before each call the checker allocates and frees a few arrays of the result's size filled with
# this value, so that an array the student's code starts with np.empty is likely to reuse that
# memory and show it: entries never assigned, or added to (+=), stay near LEFTOVER.
LEFTOVER = 1.0e300


def prime_leftovers(shape, dtype=np.float64, count=8):
    """Free ``count`` arrays of ``shape`` filled with :data:`LEFTOVER`, for np.empty to reuse."""
    buffers = [np.full(shape, LEFTOVER, dtype=dtype) for _ in range(count)]
    del buffers


@dataclass(frozen=True)
class _Exercise:
    name: str  # the student's function, e.g. "grad_x"
    result: str  # what it computes, e.g. "dL/dx"
    args: tuple  # its arguments' names, in order
    answer: Callable  # convlib's function, same arguments
    rule: str  # how the result's shape follows from the sizes
    formula: str
    shape_hints: Callable  # (H, W, k1, k2) -> {a wrong shape: what it means}
    mistakes: Callable  # (**arrays) -> [(what the mistake gives, name, diagnosis)]


def _flips(w):
    """w with both, only the first, or only the second axis reversed, and how to say so."""
    return [
        (w[::-1, ::-1], "rotated by 180 degrees (w[k1 - 1 - a, k2 - 1 - b])"),
        (w[::-1], "upside down (w[k1 - 1 - a, b])"),
        (w[:, ::-1], "mirrored left to right (w[a, k2 - 1 - b])"),
    ]


def _count(n, word):
    return f"{n} {word}{'s' * (n != 1)}"


def _pad_dy(k1, k2):
    return (
        f"pad dy with k1 - 1 = {_count(k1 - 1, 'row')} and k2 - 1 = {_count(k2 - 1, 'column')} "
        "of zeros on each side"
    )


_CORRELATION = (
    "In deep learning, convolution means the cross-correlation "
    "y[r, c] = sum_a sum_b x[r + a, c + b] w[a, b]: use w[a, b] as it is."
)
_NO_FLIP = "dL/dw[a', b'] = sum_r sum_c dy[r, c] x[r + a', c + b'] has no flip."


def _unflipped(dy, w):
    """What grad_x gives with w not flipped, or flipped along one axis only, and why it's wrong."""
    full = np.pad(dy, [(k - 1, k - 1) for k in w.shape])  # the "full" correlation's input
    why = (
        "dL/dx[r', c'] = sum_a sum_b dy[r' - a, c' - b] w[a, b] walks dy backwards as it walks "
        "w forwards, so the correlation needs flip(w) = w[::-1, ::-1]."
    )
    mistakes = [
        (conv2d(full, w), "missing flip", f"your {{name}} correlates the padded dy with w. {why}")
    ]
    for f, how in _flips(w)[1:]:
        mistakes.append((conv2d(full, f), "half a flip", f"your {{name}} uses w {how}. {why}"))
    if w.shape[0] == w.shape[1]:  # otherwise these have another shape (see the shape hints)
        for f, how in _turns(w):
            mistakes.append(
                (
                    conv2d(full, f),
                    "rotated, not flipped",
                    f"your {{name}} uses {how}. {why} {_NOT_A_TURN}",
                )
            )
    return mistakes


_NOT_A_TURN = (
    "Flipping reverses both axes (a rotation by 180 degrees); a transpose or a rotation by 90 "
    "degrees (np.rot90) swaps rows and columns instead."
)


def _turns(w):
    """w transposed, or rotated by 90 degrees either way, and how to say so."""
    return [
        (w.T, "w transposed (w.T) instead of flipped"),
        (np.rot90(w), "w rotated by 90 degrees (np.rot90(w)) instead of flipped"),
        (np.rot90(w, -1), "w rotated by -90 degrees (np.rot90(w, -1)) instead of flipped"),
        (w.T[::-1, ::-1], "w flipped and transposed"),
    ]


_CONV2D = _Exercise(
    "conv2d", "y", ("x", "w"), conv2d,
    "(N1, N2) = (H - k1 + 1, W - k2 + 1)",
    "y[r, c] = sum_a sum_b x[r + a, c + b] w[a, b]",
    lambda H, W, k1, k2: {
        (H, W): "That is the shape of x: a k1 x k2 window fits in only H - k1 + 1 positions "
        "down and W - k2 + 1 across, and the notes do not pad x.",
        (H + k1 - 1, W + k2 - 1): "That is the 'full' size: the forward pass uses only the "
        "windows lying entirely inside x ('valid').",
    },
    lambda x, w: [
        (conv2d(x, f), "flipped kernel", f"your {{name}} uses w {how}. {_CORRELATION}")
        for f, how in _flips(w)
    ],
)  # fmt: skip

_GRAD_W = _Exercise(
    "grad_w", "dL/dw", ("x", "dy"), conv2d_grad_w,
    "the shape of w, (k1, k2) = (H - N1 + 1, W - N2 + 1)",
    "dL/dw[a', b'] = sum_r sum_c dy[r, c] x[r + a', c + b']",
    lambda H, W, k1, k2: {
        (H, W): "That is the shape of x, as dL/dx has: dL/dw has one entry per weight.",
        (H - k1 + 1, W - k2 + 1): "That is the shape of dy: dL/dw has one entry per weight, "
        "each a sum over all of dy.",
    },
    lambda x, dy: [
        (conv2d(x, dy[::-1, ::-1]), "flipped dy",
         f"your {{name}} uses dy rotated by 180 degrees. {_NO_FLIP}"),
        (conv2d(x, dy)[::-1, ::-1], "flipped result",
         f"your dL/dw is rotated by 180 degrees; entry [a', b'] belongs to w[a', b']. {_NO_FLIP}"),
    ],
)  # fmt: skip

_GRAD_X = _Exercise(
    "grad_x", "dL/dx", ("dy", "w"), conv2d_grad_x,
    "the shape of x, (H, W) = (N1 + k1 - 1, N2 + k2 - 1)",
    "dL/dx[r', c'] = sum_a sum_b dy[r' - a, c' - b] w[a, b], with dy = 0 outside its range",
    lambda H, W, k1, k2: {
        (H - 2 * k1 + 2, W - 2 * k2 + 2): "That is what a 'valid' correlation of dy gives: "
        f"{_pad_dy(k1, k2)} first ('full'), so that every window touching x counts.",
        (H - k1 + 1, W - k2 + 1): f"That is the shape of dy: {_pad_dy(k1, k2)} ('full').",
        (k1, k2): "That is the shape of w, as dL/dw has: dL/dx has one entry per pixel of x.",
        # The "full" correlation with a k2 x k1 filter (w.T or np.rot90(w)), dy padded for w or
        # for the turned filter.
        (H - k1 + 1 + 2 * (k1 - 1) - k2 + 1, W - k2 + 1 + 2 * (k2 - 1) - k1 + 1): (
            f"That is what a k2 x k1 filter gives: flip(w) = w[::-1, ::-1] keeps the shape of w. "
            f"{_NOT_A_TURN}"
        ),
        (H - k1 + k2, W - k2 + k1): (
            f"That is what a k2 x k1 filter gives: flip(w) = w[::-1, ::-1] keeps the shape of w. "
            f"{_NOT_A_TURN}"
        ),
    },
    _unflipped,
)  # fmt: skip


_index, _num = index_text, number_text


def _call(ex, fn, args, where, shape, seconds):
    """The student's result on copies of ``args``; a diagnosis if it raised or changed them."""
    # Primed after the copies, so that an np.empty the student's code makes of the result's
    # shape holds recognisable leftovers rather than one of the copies.
    return call_student(
        fn, args, ex.name, where, seconds=seconds, before=lambda: prime_leftovers(shape)
    )


def _as_array(ex, result, where):
    return real_array(result, ex.name, where, ex.result)


def _check_shape(ex, got, expected, case, where):
    if got.shape == expected:
        return
    hints = ex.shape_hints(*case)
    if got.ndim != 2:
        hint = f"It must be 2-D, not {got.ndim}-D."
    elif got.shape in hints:
        hint = hints[got.shape]
    elif got.shape == expected[::-1]:
        hint = "Rows and columns are swapped: did you transpose something?"
    elif ex.answer is conv2d_grad_x and _padding(got.shape, case):
        hint = _padding(got.shape, case)
    elif all(abs(g - e) <= 1 for g, e in zip(got.shape, expected, strict=True)):
        hint = "One off: compare the sizes your code computes with this rule."
    else:
        hint = "Check which sizes you used for rows (H, k1, N1) and columns (W, k2, N2)."
    raise AssertionError(
        f"wrong shape ({where}): {ex.result} must be {ex.rule} = {expected}; your {ex.name} "
        f"returned {got.shape}. {hint}"
    )


def _padding(shape, case):
    """What padding dy by the wrong amount gives ``shape`` for dL/dx, if that explains it."""
    H, W, k1, k2 = case
    N1, N2 = H - k1 + 1, W - k2 + 1
    # A full correlation of dy padded by p on each side with a k x k filter has N + 2p - k + 1.
    p1, p2 = (shape[0] - N1 + k1 - 1) / 2, (shape[1] - N2 + k2 - 1) / 2
    if not (p1.is_integer() and p2.is_integer() and p1 >= 0 and p2 >= 0):
        return None
    return (
        f"That is what padding dy by {_count(int(p1), 'row')} and {_count(int(p2), 'column')} on "
        f"each side gives: the padding must be k1 - 1 = {_count(k1 - 1, 'row')} and k2 - 1 = "
        f"{_count(k2 - 1, 'column')}, so that every window touching x counts."
    )


def _close(a, b, tol):
    return a.shape == b.shape and relative_error(a, b) <= tol


def _not_finite(ex, got, args, expected, tol):
    if np.isfinite(got).all():
        return None
    i = tuple(np.argwhere(~np.isfinite(got))[0])
    return "not a number", (
        f"your {ex.name} gives {got[i]} at {_index(i)}. Was that entry never assigned "
        "(np.empty), or divided by zero?"
    )


def _leftover(ex, got, args, expected, tol):
    left = np.abs(got.astype(np.float64)) >= LEFTOVER / 10
    if not left.any():
        return None
    i = tuple(np.argwhere(left)[0])
    return "leftover values", (
        f"your {ex.name} gives {_num(got[i])} at {_index(i)}, what was in memory before. An array "
        "from np.empty holds whatever was there: start from np.zeros, or assign every entry."
    )


def _imprecise(ex, got, args, expected, tol):
    problem = precision_problem(got)
    if problem:
        return "too imprecise", f"{problem}. {ex.result} needs a relative error below {RTOL:g}."
    error = relative_error(got, expected)
    if error > _IMPRECISE:
        return None
    return "too imprecise", (
        f"your {ex.name} agrees with {ex.result} to about {max(0, int(-np.log10(error)))} "
        f"significant digits only (relative error {error:.2g}, more than the {RTOL:g} allowed). "
        "Compute in float64 or float32, without rounding."
    )


def _zeros(ex, got, args, expected, tol):
    if got.any():
        return None
    return "all zeros", (
        f"your {ex.name} returned only zeros. Do your loops run, and add into the result (+=)?"
    )


def _named(ex, got, args, expected, tol):
    found = ((n, t) for wrong, n, t in ex.mistakes(**args) if _close(got, wrong, tol))
    return next(((n, t.replace("{name}", ex.name)) for n, t in found), None)


def _transposed(ex, got, args, expected, tol):
    variants = [(expected.T, f"the transpose of {ex.result}")]
    for name in ex.args:
        try:
            wrong = ex.answer(*(args[n].T if n == name else args[n] for n in ex.args))
        except ValueError:  # the transposed shapes do not fit together
            continue
        variants += [
            (wrong, f"{ex.result} for {name}.T"),
            (wrong.T, f"{ex.result} for {name}.T, transposed"),
        ]
    for wrong, what in variants:
        if _close(got, wrong, tol):
            return "rows and columns swapped", (
                f"your {ex.name} gives {what}. The first index runs over rows "
                "(r, a, H, k1, N1), the second over columns (c, b, W, k2, N2)."
            )
    return None


def _scaled(ex, got, args, expected, tol):
    c = float(np.vdot(got, expected) / np.vdot(expected, expected))
    if not _close(got, c * expected, tol) or abs(c - 1) <= tol:
        return None
    n = round(1 / abs(c))
    factor = f"{'-' * (c < 0)}1/{n}" if abs(c) < 1 and abs(abs(c) * n - 1) < 1e-9 else f"{c:.6g}"
    if abs(c + 1) <= tol:
        hint = "A sign is wrong."
    elif abs(c) < 1:
        hint = f"Did you divide, or average (np.mean) instead of summing? {ex.result} is a sum."
    else:
        hint = "Look for an extra factor, or terms added more than once."
    return (
        f"off by a factor of {factor}",
        f"your {ex.name} gives {factor} times {ex.result}. {hint}",
    )


def _border(ex, got, args, expected, tol):
    # Only dL/dx has a border: its entries there sum fewer terms (windows missing from dy).
    if ex.answer is not conv2d_grad_x:
        return None
    k1, k2 = args["w"].shape
    inner = (slice(k1 - 1, got.shape[0] - k1 + 1), slice(k2 - 1, got.shape[1] - k2 + 1))
    if got[inner].size in (0, got.size) or not _close(got[inner], expected[inner], tol):
        return None
    i = tuple(np.argwhere(np.abs(got - expected) > tol * np.abs(expected).max())[0])
    return "wrong border", (
        f"your {ex.name} is right inside but not near the edges, e.g. at {_index(i)} dL/dx is "
        f"{_num(expected[i])}, yours {_num(got[i])}. A border pixel of x is in fewer windows: "
        f"terms whose window (r' - a, c' - b) is outside dy are zero, so {_pad_dy(k1, k2)}."
    )


def _shifted(ex, got, args, expected, tol):
    n1, n2 = expected.shape
    shifts = [(i, j) for i in range(-2, 3) for j in range(-2, 3) if (i, j) != (0, 0)]
    for i, j in sorted(shifts, key=lambda s: abs(s[0]) + abs(s[1])):
        if (n1 - abs(i)) * (n2 - abs(j)) < 2:
            continue
        mine = got[max(i, 0) : n1 + min(i, 0), max(j, 0) : n2 + min(j, 0)]
        right = expected[max(-i, 0) : n1 + min(-i, 0), max(-j, 0) : n2 + min(-j, 0)]
        if _close(mine, right, tol):
            moves = [_count(abs(i), "row") + (" down" if i > 0 else " up")] * (i != 0)
            moves += [_count(abs(j), "column") + (" right" if j > 0 else " left")] * (j != 0)
            return "shifted", (
                f"your {ex.name}'s result is {ex.result} moved {' and '.join(moves)}. Look for "
                "an index off by one, or a slice or padding that starts one too early or late."
            )
    return None


def _largest_error(ex, got, args, expected, tol):
    error = np.abs(got - expected)
    i = np.unravel_index(np.argmax(error), got.shape)
    wrong = error > tol * np.abs(expected).max()
    rows, cols = np.flatnonzero(wrong.any(axis=1)), np.flatnonzero(wrong.any(axis=0))
    notes = [f"{int(wrong.sum())} of {got.size} entries are wrong"]
    if len(rows) < got.shape[0]:
        notes.append(f"all in {'row' + 's' * (len(rows) > 1)} {', '.join(map(str, rows))}")
    if len(cols) < got.shape[1]:
        notes.append(f"all in {'column' + 's' * (len(cols) > 1)} {', '.join(map(str, cols))}")
    if not np.any(got[wrong]):
        notes.append("yours is 0 at all of them, as if no loop reached them")
    if got.dtype.kind in "biu":
        notes.append(f"your result has dtype {got.dtype}, which drops fractions")
    return "wrong values", (
        f"largest error {error[i]:.3g} at {_index(i)}, where {ex.result} is "
        f"{_num(expected[i], got[i])} and yours {_num(got[i], expected[i])}; {'; '.join(notes)}. "
        f"Work a small case by hand with {ex.formula}."
    )


def _check_values(ex, got, expected, args, where):
    # One policy for every dtype (see agrees): right to RTOL, relative to the result's scale.
    if agrees(got, expected):
        return
    tol = RTOL
    # Leftovers, NaN and inf first: they would upset the comparisons; then rounding.
    steps = (_leftover, _not_finite, _imprecise, _zeros, _named, _transposed, _scaled, _border)
    steps += (_shifted, _largest_error)
    for diagnose in steps:  # each gives (name, explanation) if it recognises the mistake
        try:
            with np.errstate(all="ignore"):
                found = diagnose(ex, got, args, expected, tol)
        except (ArithmeticError, ValueError, IndexError, TypeError):
            continue  # a result too odd for this diagnosis (e.g. bool or huge): try the next
        if found:
            raise AssertionError(f"{found[0]} ({where}): {found[1]}")
    raise AssertionError(
        f"wrong values ({where}): your {ex.name}'s result is not {ex.result}. Work a small case "
        f"by hand with {ex.formula}."
    )


def _check(ex, fn, seconds):
    if isinstance(fn, str):  # check_conv2d("conv2d"): look the name up where the check was called
        name, caller = fn, inspect.currentframe().f_back.f_back
        fn = caller.f_globals.get(name, caller.f_locals.get(name))
        if fn is None:
            raise NameError(
                f"{name!r} is not defined: run the cell with `def {name}(...)` first, and check "
                "the spelling"
            )
    if fn is None:
        raise TypeError(
            f"check_{ex.name} expects your function itself, as in check_{ex.name}({ex.name}), but "
            f"got None: is {ex.name} defined with `def {ex.name}({', '.join(ex.args)}):`, and did "
            f"you run that cell? (`{ex.name} = print(...)` or assigning the result of a call "
            "also leaves None)"
        )
    if not callable(fn):
        raise TypeError(
            f"check_{ex.name} expects your function itself, as in check_{ex.name}({ex.name}); "
            f"got a {type(fn).__name__}"
        )
    # Messages name the student's own function (grad_x_flip, say), not the exercise's.
    checker, own = f"check_{ex.name}", getattr(fn, "__name__", "")
    if isinstance(own, str) and own.isidentifier() and own != ex.name:
        ex = replace(ex, name=own)
    rng = np.random.default_rng(SEED)
    for H, W, k1, k2 in CASES:
        args = {
            "x": rng.standard_normal((H, W)),
            "w": rng.standard_normal((k1, k2)),
            "dy": rng.standard_normal((H - k1 + 1, W - k2 + 1)),
        }
        args = {name: args[name] for name in ex.args}
        where = ", ".join(f"{name} of shape {args[name].shape}" for name in ex.args)
        expected = ex.answer(*args.values())
        result = _call(ex, fn, args, where, expected.shape, seconds)
        got = _as_array(ex, result, where)
        _check_shape(ex, got, expected.shape, (H, W, k1, k2), where)
        _check_values(ex, got, expected, args, where)
    print(
        f"{checker}: correct on {len(CASES)} cases, including non-square images and "
        "kernels and a 1x1 filter."
    )


def check_conv2d(fn, time_limit=TIME_LIMIT):
    """Check a student's forward pass ``fn(x, w)``, the "valid" cross-correlation.

    Parameters
    ----------
    fn : callable or str
        Called as ``fn(x, w)`` with float64 arrays x of shape (H, W) and w of shape (k1, k2),
        on six cases; must return y of shape (N1, N2), any real dtype but float16, or nested
        lists (see :data:`RTOL` for what counts as right). A name is looked up where the check
        is called.
    time_limit : float or None
        Seconds allowed for each call (None for no limit).

    Returns
    -------
    None
        Prints one line when every case is right.

    Raises
    ------
    AssertionError
        Naming the mistake in the first failing case: an exception in ``fn``, the time limit,
        an input changed in place, no array, the wrong shape, leftover values (np.empty), too
        little precision (float16), a flipped kernel, rows and columns swapped, a constant
        factor, a shift, or else the largest error and where.
    TypeError
        If ``fn`` is None or not callable.
    NameError
        If ``fn`` is a name that is not defined.
    """
    _check(_CONV2D, fn, time_limit)


def check_grad_w(fn, time_limit=TIME_LIMIT):
    """Check a student's ``fn(x, dy)``, dL/dw of shape (k1, k2), like :func:`check_conv2d`.

    dy = dL/dy has the shape of y, (N1, N2). Also recognises a flipped dy or result.
    """
    _check(_GRAD_W, fn, time_limit)


def check_grad_x(fn, time_limit=TIME_LIMIT):
    """Check a student's ``fn(dy, w)``, dL/dx of shape (H, W), like :func:`check_conv2d`.

    Also recognises a missing or half flip of w, and a wrong border (dy not zero-padded, or the
    "valid" size instead of the "full" one).
    """
    _check(_GRAD_X, fn, time_limit)
