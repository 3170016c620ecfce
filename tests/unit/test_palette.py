"""The book's colours reach WCAG 2.1 AA contrast where they must be read, on both grounds."""

import pytest

from convlib.palette import BOX_STYLE, DARK_PAPER, INK, OKABE_ITO, PAPER, TEXT, contrast_ratio


def test_contrast_ratio_matches_published_values():
    # WCAG's own examples: black on white is 21:1, a colour with itself 1:1; #767676 on white is
    # the well-known lightest grey that passes 4.5:1.
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#123456", "#123456") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#FFFFFF", "#767676") == contrast_ratio("#767676", "#FFFFFF")


@pytest.mark.parametrize("bad", ["red", "#12345", "#GGGGGG", 0x123456, None])
def test_contrast_ratio_refuses_what_is_not_a_hex_colour(bad):
    with pytest.raises(ValueError, match="color must be a '#RRGGBB' string"):
        contrast_ratio(bad, "#FFFFFF")


@pytest.mark.parametrize("name", sorted(INK))
def test_ink_is_text_on_paper_and_graphics_on_the_dark_page(name):
    assert contrast_ratio(INK[name], PAPER) >= 4.5
    assert contrast_ratio(INK[name], DARK_PAPER) >= 3.0


def test_the_light_palette_is_why_ink_exists():
    # The colours the book used to draw outlines with fail 3:1 on white: a reason, not a given.
    assert contrast_ratio(OKABE_ITO["orange"], PAPER) < 3.0
    assert contrast_ratio(TEXT, PAPER) >= 7.0


def test_boxes_differ_by_line_style_not_colour_alone():
    styles = {label: style for label, (_, style, _) in BOX_STYLE.items()}
    first, middle, last = (styles[label] for label in ("①", "②", "③"))
    assert len({first, middle, last}) == 3
    for color, _, _ in BOX_STYLE.values():
        assert contrast_ratio(color, PAPER) >= 4.5


def test_every_box_label_the_maths_gives_has_a_style():
    # The palette writes the labels out, so that it imports nothing; these are the labels
    # convlib.windows gives the boxes, and box_labels can give each of them.
    from convlib.windows import FIRST, LAST, MIDDLE, ONLY

    assert set(BOX_STYLE) == {FIRST, MIDDLE, LAST, ONLY}
    assert (FIRST, MIDDLE, LAST, ONLY) == ("①", "②", "③", "①=③")
