"""A kernel-free explorer of one convolution layer, forward and backward, for web pages.

:func:`explorer` returns an HTML fragment that embeds the book's browser script
(``convlib/web/js/``, with its stylesheets) and the chosen settings. In the page the reader
changes the sizes, stride, padding, dilation, channels and numbers, and focuses or hovers any
cell to see every cell it is computed from and every cell it feeds, with its sum written out. The
page computes with convlib's definitions (cross-correlation, zero padding, dilation as the
spacing between taps), exactly for integers; no Python runs behind it, so it works on the static
site as in Jupyter.

Presets (:data:`PRESETS`) hold the chapters' own examples, drawn with the same seeds. What the
page's controls accept and show (:data:`LIMITS`, :data:`TYPED_LIMIT`, :data:`MODE_LABELS`,
:data:`RANGES`) is defined here only: the fragment sends it to the script with the settings.
"""

import hashlib
import itertools
import json
from html import escape

import numpy as np

from ..fast import conv2d
from ..shapes import as_pair, is_int, output_size
from .player import page_script, script_element

__all__ = [
    "Explorer",
    "explorer",
    "PRESETS",
    "LIMITS",
    "MODES",
    "MODE_LABELS",
    "RANGES",
    "TYPED_LIMIT",
    "script",
]

# Each mode's name in the page's menu, and the array it computes.
MODE_LABELS = {
    "forward": "forward: y = x ⋆ w",
    "grad_w": "weight gradient: ∂L/∂w",
    "grad_x": "input gradient: ∂L/∂x",
}
_OUTPUTS = {"forward": "y", "grad_w": "dw", "grad_x": "dx"}
MODES = tuple(MODE_LABELS)

# Smallest and largest value of each size, as in the page's controls.
LIMITS = {
    "H": (1, 12),
    "W": (1, 12),
    "k1": (1, 7),
    "k2": (1, 7),
    "s1": (1, 4),
    "s2": (1, 4),
    "p1": (0, 4),
    "p2": (0, 4),
    "d1": (1, 4),
    "d2": (1, 4),
    "cin": (1, 3),
    "cout": (1, 3),
}
TYPED_LIMIT = 99  # the largest magnitude of a number in x, w or dL/dy
# The chapters' small random integers, smallest and largest: the presets' and the page's seeds.
RANGES = {"x": (-3, 3), "w": (-2, 2), "dy": (-2, 2)}
_FOCUS_NAMES = {"x": 1, "dx": 1, "y": 1, "dy": 1, "w": 2, "dw": 2}  # name -> channel indices
_serial = itertools.count()


def script():
    """The browser script every explorer embeds, as player.py writes it (with the palette)."""
    return page_script()


def _chapter_arrays(seed, x_shape, w_shape, dy_values=None, **params):
    """x, w and dL/dy drawn as the chapters draw them (integers, x first, then w, then dL/dy)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(RANGES["x"][0], RANGES["x"][1] + 1, size=x_shape)
    w = rng.integers(RANGES["w"][0], RANGES["w"][1] + 1, size=w_shape)
    y_shape = conv2d(x.astype(float), w.astype(float), **params).shape
    if dy_values is None:
        dy = rng.integers(RANGES["dy"][0], RANGES["dy"][1] + 1, size=y_shape)
    else:
        dy = rng.choice(dy_values, size=y_shape)
    return {"x": x, "w": w, "dy": dy}


def _presets():
    edge_x = np.zeros((6, 7), dtype=int)
    edge_x[:, 3:] = 3  # dark on the left, bright on the right: one vertical edge
    edge_w = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])  # Sobel's horizontal derivative
    return {
        "forward": dict(
            label="chapter 1: the forward pass",
            mode="forward",
            focus=("y", 1, 2),
            **{k: v for k, v in _chapter_arrays(0, (5, 6), (3, 2)).items() if k != "dy"},
        ),
        "weight-gradient": dict(
            label="chapter 2: the weight gradient",
            mode="grad_w",
            focus=("dw", 1, 1),
            **_chapter_arrays(1, (5, 6), (3, 2)),
        ),
        "input-gradient": dict(
            label="chapter 3: the input gradient",
            mode="grad_x",
            focus=("dx", 2, 3),
            **_chapter_arrays(2, (6, 7), (3, 3)),
        ),
        "stride-padding-dilation": dict(
            label="chapter 6: stride, padding and dilation at once",
            mode="forward",
            stride=(2, 1),
            padding=(1, 2),
            dilation=(3, 2),
            focus=("y", 1, 1),
            **{
                k: v
                for k, v in _chapter_arrays(
                    6, (7, 8), (3, 2), stride=(2, 1), padding=(1, 2), dilation=(3, 2)
                ).items()
                if k != "dy"
            },
        ),
        "stride": dict(
            label="chapter 6: stride 2, zeros inserted",
            mode="grad_x",
            stride=2,
            focus=("dx", 3, 3),
            **_chapter_arrays(81, (8, 8), (3, 3), dy_values=[-2, -1, 1, 2], stride=2),
        ),
        "dilation": dict(
            label="chapter 6: dilation 2",
            mode="grad_x",
            dilation=2,
            focus=("dx", 4, 4),
            **_chapter_arrays(64, (9, 9), (3, 3), dilation=2),
        ),
        "edge": dict(
            label="an edge detector",
            mode="forward",
            focus=("y", 1, 1),
            x=edge_x,
            w=edge_w,
        ),
        "channels": dict(
            label="two channels in, three out",
            mode="forward",
            C_in=2,
            C_out=3,
            seed=3,
            H=4,
            W=5,
            k1=2,
            k2=2,
            focus=("y", 1, 0, 0),
        ),
    }


class Explorer:
    """The explorer as one HTML fragment; notebooks and the book show it as HTML.

    Attributes: ``html`` (the fragment), ``settings`` (the page's settings, as the script reads
    them), ``element_id``.
    """

    def __init__(self, html, settings, element_id):
        self.html, self.settings, self.element_id = html, settings, element_id

    def _repr_html_(self):
        return self.html


def _int_array(value, name):
    array = np.asarray(value)
    if array.dtype.kind not in "iuf" or array.size == 0:
        raise TypeError(
            f"{name} must be a non-empty array of whole numbers, got {array.dtype} "
            f"of shape {array.shape}"
        )
    if not np.all(np.isfinite(array)) or not np.array_equal(array, np.round(array)):
        raise ValueError(f"{name} must hold whole numbers (the page computes exactly), got {value}")
    if np.abs(array).max() > TYPED_LIMIT:
        raise ValueError(
            f"{name} must hold numbers from -{TYPED_LIMIT} to {TYPED_LIMIT}, "
            f"got {np.abs(array).max():g}"
        )
    return array.astype(int)


def _size(settings, key, value, name):
    lo, hi = LIMITS[key]
    if not is_int(value) or not lo <= value <= hi:
        raise ValueError(f"{name} must be a whole number from {lo} to {hi}, got {value!r}")
    settings[key] = int(value)


def _set_from_array(settings, key, value, name):
    """A size read from an array's shape; it must agree with a size given on its own."""
    if key in settings and settings[key] != value:
        raise ValueError(
            f"{name} is {settings[key]} but the array given has {value} along that axis"
        )
    _size(settings, key, value, f"{name} (from the array's shape)")


def _settings(
    mode="forward",
    *,
    x=None,
    w=None,
    dy=None,
    H=None,
    W=None,
    k1=None,
    k2=None,
    stride=1,
    padding=0,
    dilation=1,
    C_in=None,
    C_out=None,
    seed=0,
    focus=None,
    label=None,
):
    del label  # a preset's name in the page's menu, not a setting
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    settings = {"mode": mode}
    for key, value, name in [("H", H, "H"), ("W", W, "W"), ("k1", k1, "k1"), ("k2", k2, "k2")]:
        if value is not None:
            _size(settings, key, value, name)
    for key, value, name in [("cin", C_in, "C_in"), ("cout", C_out, "C_out")]:
        if value is not None:
            _size(settings, key, value, name)
    for name, value in [("stride", stride), ("padding", padding), ("dilation", dilation)]:
        pair = as_pair(value, name)
        for axis, v in zip("12", pair, strict=True):
            _size(settings, name[0] + axis, v, f"{name} (rows, columns)")
    if not is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    settings["seed"] = int(seed)

    if x is not None:
        x = _int_array(x, "x")
        if x.ndim not in (2, 3):
            raise ValueError(f"x must be 2-D (H, W) or 3-D (C_in, H, W), got shape {x.shape}")
        x = x[np.newaxis] if x.ndim == 2 else x
        for key, n, name in zip(["cin", "H", "W"], x.shape, ["C_in", "H", "W"], strict=True):
            _set_from_array(settings, key, n, name)
    if w is not None:
        w = _int_array(w, "w")
        if w.ndim not in (2, 4):
            raise ValueError(
                f"w must be 2-D (k1, k2) or 4-D (C_out, C_in, k1, k2), got shape {w.shape}"
            )
        w = w[np.newaxis, np.newaxis] if w.ndim == 2 else w
        for key, n, name in zip(
            ["cout", "cin", "k1", "k2"], w.shape, ["C_out", "C_in", "k1", "k2"], strict=True
        ):
            _set_from_array(settings, key, n, name)
    defaults = {"H": 5, "W": 6, "k1": 3, "k2": 3, "cin": 1, "cout": 1}
    for key, value in defaults.items():
        settings.setdefault(key, value)
    N1, N2 = (
        output_size(
            settings[n], settings[k], settings["s" + j], settings["p" + j], settings["d" + j]
        )
        for n, k, j in [("H", "k1", "1"), ("W", "k2", "2")]
    )
    if dy is not None:
        dy = _int_array(dy, "dy")
        if dy.ndim not in (2, 3):
            raise ValueError(
                f"dy must be 2-D (N1, N2) or 3-D (C_out, N1, N2), got shape {dy.shape}"
            )
        dy = dy[np.newaxis] if dy.ndim == 2 else dy
        expected = (settings["cout"], N1, N2)
        if dy.shape != expected:
            raise ValueError(
                f"dy must have the shape of the output (C_out, N1, N2) = {expected}, got {dy.shape}"
            )
    for name, array in [("x", x), ("w", w), ("dy", dy)]:
        if array is not None:
            settings[name] = array.tolist()
    if focus is not None:
        settings["focus"] = _focus(focus, settings, N1, N2)
    return settings


def _focus(focus, settings, N1, N2):
    """``focus`` = (name, *indices), e.g. ("dx", 2, 3) or ("w", o, i, a, b) with channels."""
    if not (isinstance(focus, (tuple, list)) and focus and focus[0] in _FOCUS_NAMES):
        raise ValueError(
            f"focus must be (name, indices...) with name one of {', '.join(_FOCUS_NAMES)}, "
            f"got {focus!r}"
        )
    name, indices = focus[0], list(focus[1:])
    channels = _FOCUS_NAMES[name]
    if len(indices) == 2:
        indices = [0] * channels + indices
    sizes = {
        "x": ("cin", "H", "W"),
        "dx": ("cin", "H", "W"),
        "y": ("cout", N1, N2),
        "dy": ("cout", N1, N2),
        "w": ("cout", "cin", "k1", "k2"),
        "dw": ("cout", "cin", "k1", "k2"),
    }[name]
    bounds = [settings[s] if isinstance(s, str) else s for s in sizes]
    if len(indices) != len(bounds) or not all(
        is_int(i) and 0 <= i < n for i, n in zip(indices, bounds, strict=False)
    ):
        raise ValueError(
            f"focus must index a cell of {name}, whose shape is {tuple(bounds)}, got {focus!r}"
        )
    return [name, *map(int, indices)]


PRESETS = _presets()


def explorer(preset=None, *, title=None, **settings):
    """The explorer of one convolution layer as an HTML fragment: no kernel needed.

    Parameters
    ----------
    preset : str, optional
        One of :data:`PRESETS` (the chapters' examples and an edge detector); ``settings`` then
        change it.
    title : str, optional
        The explorer's name on the page (it labels the group of controls and grids).
    **settings
        ``mode`` ("forward", "grad_w" or "grad_x"); the sizes ``H, W, k1, k2`` and ``C_in,
        C_out`` (1 to 3); ``stride``, ``padding`` and ``dilation`` (an int or a (rows,
        columns) pair); the numbers ``x`` of shape (H, W) or (C_in, H, W), ``w`` of shape (k1,
        k2) or (C_out, C_in, k1, k2), ``dy`` of the output's shape (whole numbers; the sizes follow
        from the arrays), or a ``seed`` for small random integers; ``focus``, the cell to show
        first, e.g. ("dx", 2, 3).

    Returns
    -------
    Explorer

    Examples
    --------
    >>> e = explorer("input-gradient")
    >>> e.settings["mode"], e.settings["H"], e.settings["W"], e.settings["focus"]
    ('grad_x', 6, 7, ['dx', 0, 2, 3])
    >>> explorer(stride=0)
    Traceback (most recent call last):
    ...
    ValueError: stride (rows, columns) must be a whole number from 1 to 4, got 0
    """
    if preset is not None:
        if preset not in PRESETS:
            raise ValueError(f"preset must be one of {', '.join(PRESETS)}, got {preset!r}")
        merged = dict(PRESETS[preset])
        if any(key in settings for key in ("x", "w", "dy", "H", "W", "k1", "k2")):
            for key in ("x", "w", "dy"):
                merged.pop(key, None)  # new sizes or numbers replace the preset's arrays
        if "focus" not in settings and settings:
            merged.pop("focus", None)
        merged.update(settings)
        settings = merged
    page_settings = _settings(**settings)
    focus = page_settings.pop("focus", None)
    presets = {
        name: {
            "label": spec["label"],
            "settings": {k: v for k, v in _settings(**spec).items() if k != "focus"},
            "focus": _settings(**spec).get("focus"),
        }
        for name, spec in PRESETS.items()
    }
    if title is None:
        title = "Explorer: " + (PRESETS[preset]["label"] if preset else "one convolution layer")
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {title!r}")
    options = {
        "title": title,
        "settings": page_settings,
        "focus": focus,
        "presets": presets,
        "limits": LIMITS,
        "typedLimit": TYPED_LIMIT,
        "modes": {m: {"label": MODE_LABELS[m], "output": _OUTPUTS[m]} for m in MODES},
        "ranges": RANGES,
    }
    payload = json.dumps(options, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha1(payload.encode()).hexdigest()[:10]
    element_id = f"cvl-explorer-{digest}-{next(_serial)}"
    # Inside <script>, "</script" or "<!--" would change how the page parses it: JSON may write
    # every "<" as \u003c instead.
    safe = payload.replace("<", "\\u003c")
    html = (
        f'<div class="cvl-explorer" id="{element_id}">'
        f"<noscript>{escape(title)}: this explorer needs JavaScript.</noscript></div>"
        f"{script_element()}"
        f'<script>window.convlib.explorer(document.getElementById("{element_id}"), {safe});'
        f"</script>"
    )
    return Explorer(html, {**page_settings, "focus": focus}, element_id)
