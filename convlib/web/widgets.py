"""The four animations of :mod:`convlib.frames` as live Jupyter widgets, each posing a question.

Every widget is an ``ipywidgets.VBox``: a question, sliders for the sizes (k1, k2 in 1..4, N1, N2
in 1..6), for the position it follows (the weight (a', b') or the input pixel (r', c')) and for
the seed, a "new numbers" button, a step slider with a ``Play`` button, the frame on show as SVG
(:func:`convlib.web.svg.frame_html`) and a line comparing the running sum with convlib's own value.

The arrays are small random integers from ``np.random.default_rng(seed)``, drawn in the same order
(x, w, dL/dy) by every widget, so one seed gives the same numbers everywhere. Frames are computed
when the sizes, the seed or the position change; a new step only renders (or reuses) one frame.

Attributes: ``controls`` (dict of IntSliders "k1", "k2", "N1", "N2", "seed" and the position's
two, "ap", "bp" or "rp", "cp"), ``step``, ``play``, ``link`` (the ``jslink`` of ``play`` to
``step``), ``new_numbers``, ``header``, ``view`` (the frame's HTML), ``sum_line``, ``frames``,
``frame`` (the one on show), ``x``, ``w``, ``dy`` and ``reference`` (convlib's y, dL/dw or dL/dx).
"""

from html import escape
from time import perf_counter

import ipywidgets as ipw
import numpy as np

from ..fast import conv2d, conv2d_grad_w, conv2d_grad_x
from ..frames import (
    flip_frames,
    fmt,
    forward_frames,
    input_gradient_frames,
    weight_gradient_frames,
)
from ..shapes import check_index, is_int
from .svg import frame_html

__all__ = [
    "AnimationWidget",
    "forward_widget",
    "weight_gradient_widget",
    "boxes_widget",
    "flip_widget",
    "frame_update_seconds",
]

K_MAX, N_MAX, SEED_MAX = 4, 6, 999  # largest filter side, output side and (default) seed
_SIZES = (("k1", K_MAX, "the filter's rows"), ("k2", K_MAX, "the filter's columns"))
_SIZES += (("N1", N_MAX, "the output's rows"), ("N2", N_MAX, "the output's columns"))


class AnimationWidget(ipw.VBox):
    """One animation with its controls; subclasses say which frames to show and what to compare.

    Subclasses set ``question`` and ``positions`` ((name, label, what it indexes) per position
    slider) and define ``_reference`` (convlib's array for x, w and dL/dy), ``_make_frames``,
    ``_sum_text`` and, with positions, ``_position_max``. See the module docstring for attributes.
    """

    question, positions = "", ()

    def __init__(self, k1, k2, N1, N2, seed, position=()):
        sizes = {}
        for (name, hi, what), value in zip(_SIZES, (k1, k2, N1, N2), strict=True):
            if not is_int(value):
                raise TypeError(f"{name} must be an int in 1..{hi} ({what}), got {value!r}")
            if not 1 <= value <= hi:
                raise ValueError(f"{name} must be in 1..{hi} ({what}), got {value}")
            sizes[name] = ipw.IntSlider(value=value, min=1, max=hi, description=name)
        if not is_int(seed):
            raise TypeError(f"seed must be a non-negative int, got {seed!r}")
        if seed < 0:
            raise ValueError(f"seed must be a non-negative int (for np.random), got {seed}")
        self.controls = sizes
        self.controls["seed"] = ipw.IntSlider(
            value=seed, min=0, max=max(SEED_MAX, seed), description="seed"
        )
        ks = (k1, k2)[: len(self.positions)]  # the forward widget has no positions
        for (name, label, what), hi, value, k in zip(
            self.positions, self._position_max(), position, ks, strict=True
        ):
            value = k - 1 if value is None else value  # the default pixel is in the most windows
            value = check_index(value, name, hi + 1, f"{what}, 0..{hi} for these sizes")
            self.controls[name] = ipw.IntSlider(value=value, min=0, max=hi, description=label)
        for slider in self.controls.values():
            slider.layout = ipw.Layout(width="210px")
        self.step = ipw.IntSlider(value=0, min=0, max=0, description="step")
        self.play = ipw.Play(value=0, min=0, max=0, interval=900)
        # Linked in the browser: playing moves the slider without a round trip to the kernel.
        self.link = ipw.jslink((self.play, "value"), (self.step, "value"))
        self.new_numbers = ipw.Button(description="new numbers", layout=ipw.Layout(width="120px"))
        self.new_numbers.on_click(self._next_seed)
        self.header = ipw.HTML(f"<b>{escape(self.question)}</b>")
        self.view, self.sum_line = ipw.HTML(), ipw.HTML()
        self._busy = False  # True while one change moves several controls: render once, after
        self._draw()
        c, names = self.controls, [name for name, _, _ in self.positions]
        sizes = ipw.HBox([c["k1"], c["k2"], c["N1"], c["N2"]])
        more = ipw.HBox([c[n] for n in names] + [c["seed"], self.new_numbers])
        player = ipw.HBox([self.play, self.step])
        super().__init__([self.header, sizes, more, player, self._display(), self.sum_line])
        for name, slider in c.items():
            slider.observe(self._on_position if name in names else self._on_arrays, "value")
        self.step.observe(self._on_step, "value")
        self._render()

    def _update(self, change):
        """Run ``change`` with the observers quiet, then render once."""
        if self._busy:
            return
        self._busy = True
        try:
            change()
        finally:
            self._busy = False
        self._render()

    def _on_arrays(self, change):
        def resize_and_draw():
            for (name, _, _), hi in zip(self.positions, self._position_max(), strict=True):
                self.controls[name].max = hi  # traitlets clamps the value to it
            self._draw()

        self._update(resize_and_draw)

    def _on_position(self, change):
        self._update(self._new_frames)

    def _on_step(self, change):
        if not self._busy:
            self._render()

    def _next_seed(self, button=None):
        seed = self.controls["seed"]
        seed.value = seed.value + 1 if seed.value < seed.max else 0

    @property
    def sizes(self):
        """(k1, k2, N1, N2) as the sliders say."""
        return tuple(self.controls[name].value for name, _, _ in _SIZES)

    @property
    def frame(self):
        """The frame on show."""
        return self.frames[self.step.value]

    def _draw(self):
        """New arrays for the current sizes and seed, then new frames."""
        k1, k2, N1, N2 = self.sizes
        rng = np.random.default_rng(self.controls["seed"].value)
        self.x = rng.integers(-3, 4, size=(N1 + k1 - 1, N2 + k2 - 1)).astype(float)
        self.w = rng.integers(-2, 3, size=(k1, k2)).astype(float)
        self.dy = rng.integers(-3, 4, size=(N1, N2)).astype(float)
        self.reference = self._reference()
        self._cache = {}  # what else depends on the arrays, e.g. the flip widget's box ③
        self._new_frames()

    def _new_frames(self):
        self.frames = self._make_frames()
        self._html = [None] * len(self.frames)  # each frame rendered when first shown
        self.play.value = self.step.value = 0
        self.play.max = self.step.max = len(self.frames) - 1
        self._first_step()
        self.play.value = self.step.value  # so that Play starts from the frame on show

    def _first_step(self):
        """Where a new animation starts: 0, except for the flip widget's chosen pixel."""

    def _position_max(self):
        return ()

    def _display(self):
        return self.view

    def _render(self):
        i = self.step.value
        if self._html[i] is None:
            self._html[i] = frame_html(self.frames[i])
        self.view.value = self._html[i]
        text = self._sum_text(i == len(self.frames) - 1)
        self.sum_line.value = f'<span style="font-family:sans-serif">{text}</span>'

    def _agree(self, value, name, function, where, what="running sum"):
        ref = float(self.reference[where])  # convlib's value, never recomputed here
        verdict = "they agree" if np.isclose(value, ref) else "they differ"
        return (
            f"{what} {fmt(value)}; convlib.{function} gives {name}[{where[0]}, {where[1]}] = "
            f"{fmt(ref)}: {verdict}"
        )

    def _progress(self):
        n, total = self.step.value + 1, len(self.frames)
        return f"running sum {fmt(self.frame.running_sum)} after {n} of {total} windows"


class _Forward(AnimationWidget):
    question = (
        "Which cells of x does y[r, c] read, and through which weights? Guess y[r, c] before "
        "each step, then compare with convlib.conv2d."
    )

    def _reference(self):
        return conv2d(self.x, self.w)

    def _make_frames(self):
        return forward_frames(self.x, self.w)

    def _sum_text(self, last):
        # Each forward frame is a whole sum, y[r, c], so every step can be checked.
        return self._agree(self.frame.running_sum, "y", "conv2d", self.frame.extra["window"])


class _Summed(AnimationWidget):
    """A gradient summed window by window; convlib's value is shown at the last window."""

    target = ("", "")  # the gradient's name and the convlib function computing it

    def _where(self):
        return tuple(self.controls[name].value for name, _, _ in self.positions)

    def _sum_text(self, last):
        if not last:
            return self._progress()
        return self._agree(self.frame.running_sum, *self.target, self._where())


class _Weight(_Summed):
    question = (
        "What does the weight w[a′, b′] affect? Everything! How many terms will ∂L/∂w[a′, b′] "
        "have? Step to the last window and check."
    )
    positions = (("ap", "a′", "a row of w"), ("bp", "b′", "a column of w"))
    target = ("∂L/∂w", "conv2d_grad_w")

    def _position_max(self):
        k1, k2, _, _ = self.sizes
        return k1 - 1, k2 - 1

    def _reference(self):
        return conv2d_grad_w(self.x, self.dy)

    def _make_frames(self):
        return weight_gradient_frames(self.x, self.dy, *self._where())


class _Boxes(_Summed):
    question = (
        "Which weight meets x[r′, c′] in box ③? Step to the last window and check. "
        "Then pick a corner pixel: how many windows are left, and why?"
    )
    positions = (("rp", "r′", "a row of x"), ("cp", "c′", "a column of x"))
    target = ("∂L/∂x", "conv2d_grad_x")

    def _position_max(self):
        k1, k2, N1, N2 = self.sizes
        return N1 + k1 - 2, N2 + k2 - 2

    def _reference(self):
        return conv2d_grad_x(self.dy, self.w)

    def _make_frames(self):
        return input_gradient_frames(self.dy, self.w, *self._where())


class _Flip(_Boxes):
    """Step i is pixel divmod(i, W) of dL/dx; the r′, c′ sliders and the step follow each other."""

    question = (
        "Do both routes give the same ∂L/∂x[r′, c′]? Left: flip(w) slides over the zero-padded "
        "∂L/∂y. Right: box ③ of the boxes holding x[r′, c′], with the complete running sum."
    )

    def __init__(self, *args):
        self.boxes_view = ipw.HTML()
        super().__init__(*args)

    def _make_frames(self):
        return flip_frames(self.dy, self.w)  # all pixels: the sliders only move the step

    def _display(self):
        return ipw.HBox([self.view, self.boxes_view], layout=ipw.Layout(flex_flow="row wrap"))

    def _first_step(self):
        rp, cp = self._where()
        self.step.value = rp * self.x.shape[1] + cp

    def _on_position(self, change):
        if not self._busy:
            self._first_step()  # _on_step renders

    def _on_step(self, change):
        def follow():
            self.controls["rp"].value, self.controls["cp"].value = self.frame.extra["pixel"]

        self._update(follow)

    def _boxes(self):
        """(frame, HTML) of box ③ for the pixel on show, made once per pixel and arrays."""
        pixel = self._where()
        if pixel not in self._cache:
            frame = input_gradient_frames(self.dy, self.w, *pixel)[-1]
            self._cache[pixel] = (frame, frame_html(frame))
        return self._cache[pixel]

    @property
    def boxes_frame(self):
        """The last frame of ``input_gradient_frames(dy, w, rp, cp)`` for the pixel on show."""
        return self._boxes()[0]

    def _render(self):
        super()._render()
        self.boxes_view.value = self._boxes()[1]

    def _sum_text(self, last):
        flip_sum, boxes_sum = self.frame.running_sum, self.boxes_frame.running_sum
        return f"flip(w): {fmt(flip_sum)}; " + self._agree(
            boxes_sum, *self.target, self._where(), "boxes ①…③: running sum"
        )


def forward_widget(k1=3, k2=3, N1=3, N2=4, seed=0):
    """The forward pass y = x * w, one output pixel y[r, c] per step.

    Parameters
    ----------
    k1, k2 : int
        The filter's shape, each in 1..4.
    N1, N2 : int
        The output's shape, each in 1..6; x is (N1 + k1 - 1, N2 + k2 - 1).
    seed : int
        Non-negative seed of ``np.random.default_rng`` for x, w and dL/dy.

    Returns
    -------
    AnimationWidget
        A VBox with the attributes of the module docstring; ``reference`` is
        ``convlib.conv2d(x, w)``.

    Examples
    --------
    >>> wid = forward_widget(2, 2, 2, 2)
    >>> len(wid.frames), wid.play.max, wid.x.shape, wid.reference.shape
    (4, 3, (3, 3), (2, 2))
    """
    return _Forward(k1, k2, N1, N2, seed)


def weight_gradient_widget(k1=3, k2=3, N1=3, N2=4, seed=0, *, ap=0, bp=0):
    """dL/dw[a', b'] = sum over every window of dL/dy[r, c] x[r + a', c + b'], a window per step.

    Parameters as :func:`forward_widget`, and ``ap``, ``bp``: the first weight (a', b') shown,
    in 0..k1 - 1 and 0..k2 - 1 (sliders ``controls["ap"]``, ``controls["bp"]``). ``reference``
    is ``convlib.conv2d_grad_w(x, dy)``.
    """
    return _Weight(k1, k2, N1, N2, seed, (ap, bp))


def boxes_widget(k1=3, k2=3, N1=4, N2=5, seed=0, *, rp=None, cp=None):
    """dL/dx[r', c'] by the notes' boxes ①②③: every window holding x[r', c'], one per step.

    Parameters as :func:`forward_widget`, and ``rp``, ``cp``: the first input pixel (r', c')
    shown, in 0..N1 + k1 - 2 and 0..N2 + k2 - 2 (sliders ``controls["rp"]``, ``controls["cp"]``;
    ``None``: k1 - 1 and k2 - 1, a pixel in the most windows). ``reference`` is
    ``convlib.conv2d_grad_x(dy, w)``.
    """
    return _Boxes(k1, k2, N1, N2, seed, (rp, cp))


def flip_widget(k1=3, k2=3, N1=3, N2=4, seed=0, *, rp=None, cp=None):
    """dL/dx by the flipped filter, one pixel per step, beside box ③ of the boxes for that pixel.

    Parameters as :func:`boxes_widget`. Step i shows pixel ``divmod(i, W)``; the r′, c′ sliders
    move the step and follow it. Extra attributes: ``boxes_view`` (the HTML on the right) and
    ``boxes_frame`` (the last frame of ``input_gradient_frames(dy, w, rp, cp)``).
    """
    return _Flip(k1, k2, N1, N2, seed, (rp, cp))


def frame_update_seconds(widget, repeats=20):
    """Mean seconds of one step update: the step set to each frame in turn, ``repeats`` times.

    Rendered frames are forgotten before each round, so every update draws its SVG again: this is
    the time of a first visit to a frame. Each setting is a real change (the round starts after
    the current step and ends on it); a one-frame animation is re-rendered directly.
    """
    if not isinstance(widget, AnimationWidget):
        kind = type(widget).__name__
        raise TypeError(f"widget must be a convlib.web.widgets widget, got {kind}")
    if not is_int(repeats) or repeats < 1:
        raise ValueError(f"repeats must be a positive int, got {repeats!r}")
    n, start, total = len(widget.frames), widget.step.value, 0.0
    for _ in range(repeats):
        widget._html, widget._cache = [None] * n, {}
        t0 = perf_counter()
        for j in range(n):
            if n == 1:
                widget._render()
            else:
                widget.step.value = (start + 1 + j) % n
        total += perf_counter() - t0
    return total / (repeats * n)
