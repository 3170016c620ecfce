"""A kernel-free player for the animations: play, step and scrub on a static web page.

On the book's website there is no Python behind a notebook's widgets, so every animation also
comes as a :class:`Player`: all its frames, drawn as SVG by :mod:`convlib.svg`, in one HTML
fragment with a few lines of plain JavaScript that show one frame at a time. Nothing is loaded
from elsewhere, so it plays offline, in the built book and in Jupyter alike.
"""

import hashlib
import itertools
from html import escape

import numpy as np  # noqa: F401  (the examples use it)

from .frames import Frame
from .svg import frame_html

__all__ = ["Player", "player"]

_serial = itertools.count()

# Shows frame k of the player whose element id is ID; buttons step, the range input scrubs, and
# play advances every INTERVAL ms until the last frame, where the running sum is complete.
_SCRIPT = """
(function () {
  var root = document.getElementById("ID");
  var frames = root.querySelectorAll(".cvl-f");
  var slider = root.querySelector(".cvl-scrub");
  var count = root.querySelector(".cvl-count");
  var play = root.querySelector("[data-act=play]");
  var i = 0, timer = null;
  function show(k) {
    frames[i].style.display = "none";
    i = Math.max(0, Math.min(frames.length - 1, k));
    frames[i].style.display = "";
    slider.value = i;
    count.textContent = (i + 1) + " / " + frames.length;
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = "\\u25B6 play";
  }
  function on(act, step) {
    root.querySelector("[data-act=" + act + "]").addEventListener("click", function () {
      stop(); show(step());
    });
  }
  on("first", function () { return 0; });
  on("prev", function () { return i - 1; });
  on("next", function () { return i + 1; });
  on("last", function () { return frames.length - 1; });
  play.addEventListener("click", function () {
    if (timer !== null) { stop(); return; }
    if (i === frames.length - 1) { show(0); }
    play.textContent = "\\u25A0 pause";
    timer = setInterval(function () {
      if (i >= frames.length - 1) { stop(); } else { show(i + 1); }
    }, INTERVAL);
  });
  slider.addEventListener("input", function () { stop(); show(Number(slider.value)); });
})();
"""


class Player:
    """An animation as one self-contained HTML fragment; notebooks and the book show it as HTML.

    Attributes: ``html`` (the fragment), ``frames`` (the frames it plays), ``element_id``.
    """

    def __init__(self, html, frames, element_id):
        self.html, self.frames, self.element_id = html, frames, element_id

    def _repr_html_(self):
        return self.html


def player(frames, *, fps=1.0, title=""):
    """A play / step / scrub player for ``frames``, every frame embedded: no kernel needed.

    Parameters
    ----------
    frames : sequence of convlib.frames.Frame
        The animation.
    fps : float
        Frames per second when playing.
    title : str
        A line shown above the player (a question for the reader, say).

    Returns
    -------
    Player

    Examples
    --------
    >>> from convlib.frames import input_gradient_frames
    >>> p = player(input_gradient_frames(np.ones((2, 2)), np.ones((2, 2)), 1, 1))
    >>> p.html.count('class="cvl-f"'), 'max="3"' in p.html
    (4, True)
    """
    frames = list(frames)
    if not frames or not all(isinstance(f, Frame) for f in frames):
        raise ValueError("frames must be a non-empty sequence of convlib.frames.Frame")
    if not (isinstance(fps, (int, float)) and fps > 0):
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    bodies = [frame_html(f) for f in frames]
    # The id must be unique on a page and the same from one build to the next.
    digest = hashlib.sha1("".join(bodies).encode()).hexdigest()[:10]
    element_id = f"cvl-player-{digest}-{next(_serial)}"
    n = len(frames)
    hidden = ' style="display:none"'
    shown = [
        f'<div class="cvl-f"{"" if k == 0 else hidden}>{body}</div>'
        for k, body in enumerate(bodies)
    ]
    button = '<button type="button" data-act="{}" title="{}">{}</button>'
    controls = "".join(
        [
            button.format("first", "first frame", "|&#x25C0;"),
            button.format("prev", "previous frame", "&#x25C0; step"),
            button.format("play", "play or pause", "&#x25B6; play"),
            button.format("next", "next frame", "step &#x25B6;"),
            button.format("last", "last frame", "&#x25B6;|"),
            f'<input type="range" class="cvl-scrub" min="0" max="{n - 1}" value="0" step="1" '
            f'aria-label="frame" style="vertical-align:middle;width:12em">',
            f'<span class="cvl-count" style="font-family:sans-serif">1 / {n}</span>',
        ]
    )
    header = (
        f'<p style="font-family:sans-serif;margin:0 0 4px">{escape(title)}</p>' if title else ""
    )
    script = _SCRIPT.replace("ID", element_id).replace("INTERVAL", str(round(1000 / fps)))
    html = (
        f'<div class="cvl-player" id="{element_id}" style="overflow-x:auto">{header}'
        f'{"".join(shown)}<div class="cvl-controls">{controls}</div></div>'
        f"<script>{script}</script>"
    )
    return Player(html, frames, element_id)
