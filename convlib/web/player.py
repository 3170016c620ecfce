"""A kernel-free player for the animations: play, step and scrub on a static web page.

On the book's website there is no Python behind a notebook's widgets, so every animation also
comes as a :class:`Player`: one HTML fragment holding the frames as data (JSON, numbers already
written as :func:`convlib.frames.fmt` writes them, with the minus sign) and the book's browser
script, assembled from ``convlib/web/js/`` with the stylesheets of ``convlib/web/``, which draws
the frame on show as one HTML table per array. Nothing is loaded from elsewhere, so it plays
offline, in the built book, in Jupyter and in JupyterLite alike; the script runs once per page
however many players the page holds.

For every reader: the controls are buttons named in words, the player is a group named by its
title, a polite live region says "Frame k of n." and the frame's caption after each step (and is
silent while playing), the slider runs from 1 to n like the counter and says "Frame k of n", and
each array's numbers are table text, its highlights and boxes described in its caption. When the
reader's system asks for reduced motion (``prefers-reduced-motion: reduce``) nothing moves by
itself: Play is hidden and a note says to step with the buttons or the slider. Highlighted cells
are bold with a thick outline, padding is grey with italic digits, inserted zeros are hatched and
boxes differ by numeral and line style: colour is never the only cue.
"""

import hashlib
import itertools
import json
import math
import re
from functools import cache
from html import escape
from importlib.resources import files

import numpy as np

from ..frames import Box, Frame, Panel, fmt, minus_signs
from ..palette import BOX_STYLE, INK, OKABE_ITO, PAPER, TEXT

__all__ = [
    "Player",
    "player",
    "player_data",
    "page_script",
    "script_element",
    "SCRIPTS",
    "STYLES",
    "COLORS",
]

# The browser side, one file per concern, in the order the page script holds them: the element
# helper and table renderer, numbers as text, the explorer's arithmetic, the player, the explorer.
# Each file may use what the files before it define.
WEB = files("convlib") / "web"
SCRIPTS = tuple(
    WEB / "js" / name
    for name in ("dom.js", "numbers.js", "arithmetic.js", "player.js", "explorer.js")
)
STYLES = (WEB / "player.css", WEB / "explorer.css")

_serial = itertools.count()


def _mix(color, weight):
    """``color`` at opacity ``weight`` over white, as '#RRGGBB'."""
    channels = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - weight * (255 - c)):02X}" for c in channels)


# The players' colours, all from the palette: light fills behind dark digits, INK for lines.
COLORS = {
    "paper": PAPER,
    "text": TEXT,
    "index": "#555555",  # row and column numbers: 7.5:1 on white
    "rule": "#767676",  # cell borders and button edges: 4.5:1 on white
    "hi": _mix(OKABE_ITO["orange"], 0.45),
    "muted": _mix(OKABE_ITO["grey"], 0.3),
    "inserted": _mix(OKABE_ITO["sky blue"], 0.35),
}

_LINES = {"-": "solid", "--": "dashed", ":": "dotted"}
_INK_NAMES = {color: name for name, color in INK.items()}


def _stylesheet():
    """The stylesheets, without comments and spare white space."""
    css = "".join(path.read_text(encoding="utf-8") for path in STYLES)
    css = re.sub(r"\s+", " ", re.sub(r"/\*.*?\*/", "", css, flags=re.S))
    css = re.sub(r"\s*([{};,>])\s*", r"\1", css)
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", css)).strip()


def _palette():
    boxes = {
        label: {"ink": _INK_NAMES[color], "line": _LINES[line], "inset": inset}
        for label, (color, line, inset) in BOX_STYLE.items()
    }
    return {"vars": COLORS, "ink": INK, "fill": OKABE_ITO, "boxes": boxes, "css": _stylesheet()}


def _code(path):
    """A script's lines without indentation, blank lines and comment lines."""
    lines = []
    in_comment = False
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if in_comment:
            in_comment = "*/" not in stripped
            continue
        if stripped.startswith("/*"):
            in_comment = "*/" not in stripped
            continue
        if stripped and not stripped.startswith("//"):
            lines.append(stripped)
    return lines


@cache
def page_script():
    """The browser script with the palette and stylesheets, as one ``<script>`` element's text.

    The files of :data:`SCRIPTS`, in that order, inside one function that runs once per page
    (a later copy finds ``window.convlib.player`` defined and stops), then the call that adds
    the stylesheet, once per page. It defines ``window.convlib``: ``install(page)`` (colours,
    box styles, stylesheet), ``grid(panel)`` (one array as a table), ``player(root)`` and
    ``explorer(element, options)``. Inlined by every player and explorer; comment lines are
    dropped to keep pages light.
    """
    lines = [
        "(() => {",
        '"use strict";',
        "const convlib = (window.convlib = window.convlib || {});",
        "if (convlib.player) return;",
    ]
    for path in SCRIPTS:
        lines += _code(path)
    lines += ["})();", f"window.convlib.install({_json_for_html(_palette())});"]
    return "\n".join(lines)


def script_element():
    """The browser script as a ``<script>`` element of its own, marked ``class="cvl-script"``.

    Every fragment that draws with ``window.convlib`` (players, explorers) carries it, so that a
    fragment works wherever it is shown; on the website the book keeps only the first on each page
    (tools/shared_script.py), and the fragments' own calls come after it.
    """
    return f'<script class="cvl-script">{page_script()}</script>'


def _json_for_html(value):
    """JSON that can sit inside a <script> element: no "</script>" or "<!--" can appear."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _cells(cells, shape, what):
    out = []
    for cell in cells:
        if not (
            len(cell) == 2
            and all(isinstance(i, int | np.integer) for i in cell)
            and 0 <= cell[0] < shape[0]
            and 0 <= cell[1] < shape[1]
        ):
            raise ValueError(f"{what} must be (row, column) pairs inside {shape}, got {cell!r}")
        out.append([int(cell[0]), int(cell[1])])
    return out


def _box(box, shape, what):
    if not isinstance(box, Box):
        raise TypeError(f"{what} must be a convlib.frames.Box, got {type(box).__name__}")
    r, c, h, w = box.r, box.c, box.height, box.width
    if not (h >= 1 and w >= 1 and 0 <= r and 0 <= c and r + h <= shape[0] and c + w <= shape[1]):
        raise ValueError(f"{what} must lie inside the panel's {shape} cells, got {box}")
    out = {"r": int(r), "c": int(c), "height": int(h), "width": int(w)}
    if box.label:
        out["label"] = box.label
    return out


def player_data(frames):
    """The frames as the data a player sends to the page: plain lists, strings and numbers.

    Returns ``{"pool": [...], "frames": [{"caption": str, "panels": [{"title", "values",
    "cells", "boxes", "muted", "inserted", "width"}]}]}``. ``values`` are rows of
    :func:`~convlib.frames.fmt` strings, ``None`` where the value is NaN (not computed yet);
    in them and in the captions a negative number has the minus sign ("−3", as the explorer
    writes it: :func:`~convlib.frames.minus_signs`);
    values, muted and inserted are indices into ``pool``, where frames that share an array share
    one copy; ``width`` is the longest value of that panel in any frame, so cells keep their size
    from frame to frame. Cells are [row, column]; boxes {"r", "c", "height", "width", "label"}.

    >>> from convlib.frames import forward_frames
    >>> data = player_data(forward_frames(np.arange(4.0).reshape(2, 2), np.ones((1, 1))))
    >>> data["pool"][data["frames"][0]["panels"][0]["values"]]
    [['0', '1'], ['2', '3']]
    >>> data = player_data(forward_frames(np.array([[-1.5, 2.0]]), np.ones((1, 1))))
    >>> data["pool"][data["frames"][0]["panels"][0]["values"]], data["frames"][0]["caption"]
    ([['−1.5', '2']], 'y[0, 0] = sum of the 1 products = −1.5')
    """
    frames = list(frames) if not isinstance(frames, Frame) else [frames]
    if not frames:
        raise ValueError("frames must be a non-empty sequence of convlib.frames.Frame, got none")
    pool, seen = [], {}

    def ref(value):
        key = json.dumps(value)
        if key not in seen:
            seen[key] = len(pool)
            pool.append(value)
        return seen[key]

    out, widths = [], {}
    for k, frame in enumerate(frames):
        if not isinstance(frame, Frame):
            raise TypeError(
                f"frames[{k}] must be a convlib.frames.Frame, got {type(frame).__name__}"
            )
        panels = []
        for i, panel in enumerate(frame.panels):
            what = f"frames[{k}].panels[{i}]"
            if not isinstance(panel, Panel):
                raise TypeError(
                    f"{what} must be a convlib.frames.Panel, got {type(panel).__name__}"
                )
            values = np.asarray(panel.values, dtype=float)
            if values.ndim != 2 or 0 in values.shape:
                raise ValueError(f"{what}.values must be a non-empty 2-D array, got {values.shape}")
            if np.isinf(values).any():
                raise ValueError(f"{what}.values must be finite or NaN (not computed), got inf")
            shape = values.shape
            text = [
                [None if math.isnan(v) else minus_signs(fmt(v)) for v in row]
                for row in values.tolist()
            ]
            widths[i] = max(
                [widths.get(i, 1)] + [len(t) for row in text for t in row if t is not None]
            )
            item = {
                "title": str(panel.title),
                "values": ref(text),
                "cells": _cells(panel.cells, shape, f"{what}.cells"),
                "boxes": [_box(b, shape, f"{what}.boxes") for b in panel.boxes],
            }
            if panel.muted:
                item["muted"] = ref(_cells(panel.muted, shape, f"{what}.muted"))
            if panel.inserted:
                item["inserted"] = ref(_cells(panel.inserted, shape, f"{what}.inserted"))
            panels.append(item)
        out.append({"caption": minus_signs(str(frame.caption)), "panels": panels})
    for frame in out:
        for i, item in enumerate(frame["panels"]):
            item["width"] = widths[i]
    return {"pool": pool, "frames": out}


class Player:
    """An animation as one self-contained HTML fragment; notebooks and the book show it as HTML.

    Attributes: ``html`` (the fragment), ``frames`` (the frames it plays), ``data`` (what
    :func:`player_data` made of them), ``element_id``.
    """

    def __init__(self, html, frames, element_id, data=None):
        self.html, self.frames, self.element_id, self.data = html, frames, element_id, data

    def _repr_html_(self):
        return self.html


_BUTTON = (
    '<button type="button" data-act="{act}" aria-label="{name}" title="{name}">'
    '<span aria-hidden="true">{glyph}</span></button>'
)


def player(frames, *, fps=1.0, title=""):
    """A play / step / scrub player for ``frames``, which are sent as data: no kernel needed.

    Parameters
    ----------
    frames : sequence of convlib.frames.Frame
        The animation.
    fps : float
        Frames per second when playing.
    title : str
        A line shown above the player (a question for the reader, say); it names the player's
        group for screen readers. Without one the group is named after the first frame's arrays.

    Returns
    -------
    Player

    Examples
    --------
    >>> from convlib.frames import input_gradient_frames
    >>> p = player(input_gradient_frames(np.ones((2, 2)), np.ones((2, 2)), 1, 1))
    >>> len(p.data["frames"]), 'max="4"' in p.html, 'aria-valuetext="Frame 1 of 4"' in p.html
    (4, True, True)
    """
    if isinstance(frames, Frame) or not hasattr(frames, "__iter__"):
        raise TypeError(
            f"frames must be a sequence of convlib.frames.Frame, got {type(frames).__name__}"
        )
    frames = list(frames)
    if not frames:
        raise ValueError("frames must be a non-empty sequence of convlib.frames.Frame, got none")
    if isinstance(fps, bool) or not (isinstance(fps, int | float) and 0 < fps < math.inf):
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    data = player_data(frames)
    payload = _json_for_html(data)
    # The id must be unique on a page and the same from one build to the next.
    digest = hashlib.sha1((title + payload).encode()).hexdigest()[:10]
    element_id = f"cvl-player-{digest}-{next(_serial)}"
    n = len(frames)
    if title:
        heading = f'<p class="cvl-title" id="{element_id}-title">{escape(title)}</p>'
        name = f'aria-labelledby="{element_id}-title"'
    else:
        arrays = ", ".join(p.title for p in frames[0].panels)
        heading = ""
        name = f'aria-label="{escape(f"Animation in {n} frames of {arrays}", quote=True)}"'
    controls = "".join(
        [
            _BUTTON.format(act="first", name="First frame", glyph="|&#x25C0;"),
            _BUTTON.format(act="prev", name="Previous frame", glyph="&#x25C0;"),
            '<button type="button" data-act="play"><span class="cvl-play-icon" '
            'aria-hidden="true">&#x25B6; </span><span class="cvl-play-text">Play</span></button>',
            _BUTTON.format(act="next", name="Next frame", glyph="&#x25B6;"),
            _BUTTON.format(act="last", name="Last frame", glyph="&#x25B6;|"),
            f'<input type="range" class="cvl-scrub" min="1" max="{n}" value="1" step="1" '
            f'aria-label="Frame" aria-valuetext="Frame 1 of {n}">',
            f'<span class="cvl-count" aria-hidden="true">1 / {n}</span>',
            '<p class="cvl-motion-note" hidden>Your system asks for reduced motion, so the frames '
            "do not play by themselves: step with the buttons or the slider.</p>",
        ]
    )
    status = (
        '<p class="cvl-status" aria-live="polite" aria-atomic="true">'
        f'<span class="cvl-where cvl-vh">Frame 1 of {n}. </span>'
        f'<span class="convlib-caption">{escape(data["frames"][0]["caption"])}</span></p>'
    )
    html = (
        f'<div class="cvl-player" id="{element_id}" role="group" {name} '
        f'data-interval="{round(1000 / fps)}">{heading}<div class="cvl-panels"></div>'
        f'{status}<div class="cvl-controls">{controls}</div>'
        f'<script type="application/json" class="cvl-data">{payload}</script></div>'
        f"{script_element()}"
        f'<script>window.convlib.player(document.getElementById("{element_id}"));</script>'
    )
    return Player(html, frames, element_id, data)
