"""Hypothesis strategies and helpers: random convolution configurations and memory layouts."""

import numpy as np
from hypothesis import assume, settings
from hypothesis import strategies as st


def examples(n):
    """``n`` examples under the default profile, scaled by the profile loaded (tests/conftest.py):
    a test that draws 30 where others draw 150 draws 4 under the quick profile's 20, never fewer
    than 2. For ``@settings(max_examples=examples(n))``: slow tests keep their share of the depth
    the profile asks for."""
    scale = settings.default.max_examples / settings.get_profile("default").max_examples
    return max(2, round(n * scale))


@st.composite
def configs(draw, batched=None, max_stride=3, max_dilation=3, max_padding=2):
    """A valid convolution: shapes of x and w and the stride, padding and dilation pairs.

    Sizes are drawn from the output size backwards, so every stride/padding/dilation combination
    comes with inputs it fits, including sizes that the stride does not divide.
    """
    if batched is None:
        batched = draw(st.booleans())
    k = [draw(st.integers(1, 4)) for _ in range(2)]
    s = [draw(st.integers(1, max_stride)) for _ in range(2)]
    d = [draw(st.integers(1, max_dilation)) for _ in range(2)]
    p = [draw(st.integers(0, max_padding)) for _ in range(2)]
    out = [draw(st.integers(1, 5)) for _ in range(2)]
    # The smallest input giving this output, plus up to stride - 1 pixels the last window misses.
    size = [
        s[j] * (out[j] - 1) + d[j] * (k[j] - 1) + 1 - 2 * p[j] + draw(st.integers(0, s[j] - 1))
        for j in range(2)
    ]
    assume(min(size) >= 1)
    if batched:
        N, C_in, C_out = (draw(st.integers(1, 3)) for _ in range(3))
        x_shape, w_shape = (N, C_in, *size), (C_out, C_in, *k)
    else:
        x_shape, w_shape = tuple(size), tuple(k)
    params = {"stride": tuple(s), "padding": tuple(p), "dilation": tuple(d)}
    return x_shape, w_shape, params


LAYOUTS = ["contiguous", "fortran", "every-other", "reversed"]


def laid_out(array, layout):
    """The same values as ``array``, held in memory in another layout (a view, not contiguous)."""
    if layout == "fortran":
        return np.asfortranarray(array)
    if layout == "every-other":
        spread = np.zeros(array.shape[:-1] + (2 * array.shape[-1],), dtype=array.dtype)
        spread[..., ::2] = array
        return spread[..., ::2]
    if layout == "reversed":
        return np.ascontiguousarray(array[..., ::-1, :])[..., ::-1, :]
    return array


def random_arrays(seed, *shapes, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for shape in shapes]
