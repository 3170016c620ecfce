"""The kernel-free player: every frame embedded, its controls wired, nothing loaded from outside."""

import re
import shutil
import subprocess

import numpy as np
import pytest

from convlib import frames, player, svg


def boxes(rp=2, cp=3):
    rng = np.random.default_rng(0)
    dy = rng.integers(-2, 3, size=(4, 5)).astype(float)
    w = rng.integers(-2, 3, size=(3, 3)).astype(float)
    return frames.input_gradient_frames(dy, w, rp, cp)


def test_every_frame_is_embedded_and_only_the_first_shown():
    animation = boxes()
    html = player.player(animation, title="Which weight meets x[2, 3] in box ③?").html
    shown = re.findall(r'<div class="cvl-f"( style="display:none")?>', html)
    assert len(shown) == len(animation) == 9
    assert shown[0] == "" and all(s for s in shown[1:])
    for f in animation:
        assert svg.frame_svg(f) in html
    assert 'max="8"' in html and "1 / 9" in html
    assert "Which weight meets x[2, 3] in box ③?" in html


def test_controls_and_script_refer_to_this_player():
    p = player.player(boxes(), fps=2)
    assert f'id="{p.element_id}"' in p.html
    assert f'document.getElementById("{p.element_id}")' in p.html
    assert "500" in p.html  # the play interval in ms
    for act in ["first", "prev", "play", "next", "last"]:
        assert f'data-act="{act}"' in p.html
    assert p._repr_html_() == p.html


def test_ids_are_unique_on_a_page_and_nothing_is_fetched():
    a, b = player.player(boxes()), player.player(boxes())
    assert a.element_id != b.element_id
    assert "http" not in a.html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "src=" not in a.html


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_script_is_valid_javascript(tmp_path):
    (script,) = re.findall(r"<script>(.*?)</script>", player.player(boxes()).html, flags=re.S)
    path = tmp_path / "player.js"
    path.write_text(script)
    subprocess.run(["node", "--check", str(path)], check=True, capture_output=True)


def test_bad_arguments():
    with pytest.raises(ValueError, match="frames must be a non-empty sequence"):
        player.player([])
    with pytest.raises(ValueError, match="fps must be a positive number, got 0"):
        player.player(boxes(), fps=0)
    with pytest.raises(TypeError, match="frame must be a convlib.frames.Frame, got str"):
        svg.frame_svg("frame")
