"""The book's colours: Okabe and Ito's palette, and darker shades of it where colour must be read.

Okabe and Ito chose their eight colours to stay apart for colour-blind readers, but several are
light: orange (#E69F00) has a contrast of 2.25:1 on white, sky blue 2.3:1, bluish green 3.4:1.
WCAG 2.1 AA asks 3:1 of lines and shapes that carry meaning and 4.5:1 of text. So the palette's
light colours fill cells (behind dark digits), and :data:`INK`, the same hues darkened until they
reach 4.5:1 on white and 3:1 on the dark theme's background, draws outlines, labels and curves.
Colour is never the only cue: the three boxes also differ by line style and numeral.

Nothing but strings here (no NumPy, no matplotlib): the figures, the SVG frames and the players'
stylesheet all read these colours.
"""

__all__ = [
    "OKABE_ITO",
    "INK",
    "BOX_STYLE",
    "PAPER",
    "DARK_PAPER",
    "TEXT",
    "contrast_ratio",
]

OKABE_ITO = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "grey": "#999999",
}

# The hues of OKABE_ITO, darkened (same hue, lower lightness) where they were too light to read.
INK = {
    "orange": "#A86500",
    "sky blue": "#1F6E9C",
    "bluish green": "#007A5A",
    "blue": "#0072B2",
    "vermillion": "#B84F00",
    "reddish purple": "#A1507D",
    "grey": "#6B6B6B",
}

PAPER = "#FFFFFF"  # figures and players keep a white ground in light and dark mode alike
DARK_PAPER = "#121212"  # the dark theme's page background, around them
TEXT = "#222222"

# Colour, line style and inset of each box, by its label (convlib.windows' FIRST, MIDDLE, LAST and
# ONLY: the maths names the boxes, the palette only colours them); the insets keep coinciding
# edges visible.
BOX_STYLE = {
    "①": (INK["blue"], "-", 0.04),
    "②": (INK["orange"], "--", 0.10),
    "③": (INK["bluish green"], ":", 0.16),
    "①=③": (INK["blue"], "-", 0.04),
}


def _luminance(color):
    if not (isinstance(color, str) and len(color) == 7 and color.startswith("#")):
        raise ValueError(f"color must be a '#RRGGBB' string, got {color!r}")
    try:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    except ValueError:
        raise ValueError(f"color must be a '#RRGGBB' string, got {color!r}") from None
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground, background):
    """WCAG 2.1's contrast ratio of two '#RRGGBB' colours, from 1 (none) to 21 (black on white).

    >>> round(contrast_ratio("#E69F00", "#FFFFFF"), 2)  # Okabe and Ito's orange on white
    2.25
    """
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
