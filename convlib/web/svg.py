"""Frames of :mod:`convlib.frames` drawn as SVG, for the live widgets: small, sharp, and quick
enough for every step.

The live Jupyter widgets (:mod:`convlib.web.widgets`) put the SVG of the frame on show into an
HTML widget, drawn again when a slider moves. Building a frame's SVG is string formatting, a
millisecond or so, where drawing it with matplotlib takes a tenth of a second. The kernel-free
player (:mod:`convlib.web.player`) uses none of this: it sends the frames as data, and the browser
script of ``convlib/web/js/`` draws each one as HTML tables.

Arrays are grids of cells like matrices, row 0 at the top, with their row and column indices;
highlighted cells are filled light orange and outlined in dark orange, zero padding grey, zeros
inserted by a stride light blue and crossed by a diagonal, and outlined windows use the figures'
colours and line styles. Fills are Okabe and Ito's colours (safe for colour-blind readers) behind
dark digits; lines and labels are their darker shades, :data:`convlib.palette.INK`, which reach
4.5:1 on white.
"""

from html import escape

import numpy as np

from ..frames import Frame, fmt
from ..palette import BOX_STYLE, INK, OKABE_ITO

__all__ = ["frame_svg", "frame_html", "CELL_PX"]

CELL_PX = 30  # side of a cell, in pixels
_TITLE, _INDEX, _GAP = 22, 14, 26  # title band, index band and gap between panels, in pixels
_DASHES = {"-": "none", "--": "6 4", ":": "2 3"}


def _panel_width(panel, s):
    # Wide enough for the grid and for the title (about 8 px a character at 14 px).
    return _INDEX + max(panel.values.shape[1] * s, 8 * len(panel.title))


def _panel(panel, left, top, s):
    """The SVG elements of one panel whose top-left corner is at (left, top)."""
    H, W = panel.values.shape
    width = _panel_width(panel, s)
    x0 = left + _INDEX + (width - _INDEX - W * s) / 2  # the grid's top-left corner, centred
    y0 = top + _TITLE + _INDEX
    out = [
        f'<text x="{left + _INDEX + (width - _INDEX) / 2}" y="{top + 15}" class="cvl-title">'
        f"{escape(panel.title)}</text>"
    ]
    for i, j in panel.muted:
        out.append(
            f'<rect x="{x0 + j * s}" y="{y0 + i * s}" width="{s}" height="{s}" class="cvl-muted"/>'
        )
    for i, j in panel.inserted:  # a tinted cell crossed by a diagonal: not told by colour alone
        x, y = x0 + j * s, y0 + i * s
        out.append(
            f'<rect x="{x}" y="{y}" width="{s}" height="{s}" class="cvl-inserted"/>'
            f'<line x1="{x}" y1="{y + s}" x2="{x + s}" y2="{y}" class="cvl-inserted-mark"/>'
        )
    for i, j in panel.cells:
        out.append(
            f'<rect x="{x0 + j * s}" y="{y0 + i * s}" width="{s}" height="{s}" class="cvl-hi"/>'
        )
    for k in range(H + 1):
        out.append(f'<line x1="{x0}" y1="{y0 + k * s}" x2="{x0 + W * s}" y2="{y0 + k * s}"/>')
    for k in range(W + 1):
        out.append(f'<line x1="{x0 + k * s}" y1="{y0}" x2="{x0 + k * s}" y2="{y0 + H * s}"/>')
    for j in range(W):
        out.append(f'<text x="{x0 + (j + 0.5) * s}" y="{y0 - 4}" class="cvl-index">{j}</text>')
    for i in range(H):
        out.append(f'<text x="{x0 - 7}" y="{y0 + (i + 0.5) * s + 4}" class="cvl-index">{i}</text>')
    for (i, j), v in np.ndenumerate(panel.values):
        if not np.isnan(v):  # NaN: not computed yet, left blank
            out.append(
                f'<text x="{x0 + (j + 0.5) * s}" y="{y0 + (i + 0.5) * s + 4}">{fmt(v)}</text>'
            )
    for box in panel.boxes:
        color, linestyle, inset = BOX_STYLE.get(box.label, (INK["blue"], "-", 0.04))
        d = inset * s
        out.append(
            f'<rect x="{x0 + box.c * s + d}" y="{y0 + box.r * s + d}" '
            f'width="{box.width * s - 2 * d}" height="{box.height * s - 2 * d}" class="cvl-box" '
            f'stroke="{color}" stroke-dasharray="{_DASHES[linestyle]}"/>'
        )
        if box.label:
            out.append(
                f'<text x="{x0 + (box.c + box.width) * s - d - 3}" y="{y0 + box.r * s + d + 15}" '
                f'class="cvl-label" style="fill:{color}">{escape(box.label)}</text>'
            )
    return out


def frame_svg(frame, cell_px=CELL_PX):
    """One frame as an ``<svg>`` element, its panels side by side; the caption is its title.

    >>> from convlib.frames import forward_frames
    >>> svg = frame_svg(forward_frames(np.arange(9.0).reshape(3, 3), np.ones((2, 2)))[0])
    >>> svg.startswith("<svg") and ">8</text>" in svg  # y[0, 0] = 0 + 1 + 3 + 4
    True
    """
    if not isinstance(frame, Frame):
        raise TypeError(f"frame must be a convlib.frames.Frame, got {type(frame).__name__}")
    if not (isinstance(cell_px, int) and cell_px >= 8):
        raise ValueError(f"cell_px must be an int >= 8, got {cell_px!r}")
    s, left, parts = cell_px, 0, []
    for panel in frame.panels:
        parts += _panel(panel, left, 0, s)
        left += _panel_width(panel, s) + _GAP
    width = left - _GAP + 2
    height = max(_TITLE + _INDEX + p.values.shape[0] * s for p in frame.panels) + 2
    style = (
        "<style>"
        "text{font:12px sans-serif;text-anchor:middle;fill:#222}"
        ".cvl-title{font-size:14px}.cvl-index{font-size:11px;fill:#555}"
        ".cvl-label{font-size:15px;text-anchor:end;font-weight:bold}"
        "line{stroke:#888;stroke-width:1}"
        f".cvl-hi{{fill:{OKABE_ITO['orange']};fill-opacity:.45;stroke:{INK['orange']};"
        "stroke-width:2}"
        f".cvl-muted{{fill:{OKABE_ITO['grey']};fill-opacity:.3}}"
        f".cvl-inserted{{fill:{OKABE_ITO['sky blue']};fill-opacity:.35}}"
        f".cvl-inserted-mark{{stroke:{INK['blue']};stroke-width:1}}"
        ".cvl-box{fill:none;stroke-width:3}"
        "</style>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cvl" width="{width}" height="{height}" '
        'style="max-width:100%;height:auto" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(frame.caption)}">'
        f"<title>{escape(frame.caption)}</title>{style}{''.join(parts)}</svg>"
    )


def frame_html(frame, cell_px=CELL_PX):
    """A frame's SVG with its caption below it, as an HTML fragment."""
    return (
        f'<div class="convlib-frame">{frame_svg(frame, cell_px)}'
        f'<p class="convlib-caption" style="font-family:sans-serif;margin:4px 0">'
        f"{escape(frame.caption)}</p></div>"
    )
