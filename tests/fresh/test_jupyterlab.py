"""The four live widgets in a real JupyterLab 4 (as on Binder), driven by Chromium.

Starts JupyterLab from the project's environment on a free port, opens a notebook that builds each
widget, runs it and presses play: the frame must change, which needs the widget's JavaScript
(ipywidgets 8 in JupyterLab) and the round trip to the kernel to work. Skips like the other browser
tests when Chromium or Playwright is missing, and fails instead under CI.
"""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from needs import CHROMIUM, CHROMIUM_ARGS, playwright_or_skip

pytestmark = pytest.mark.slow  # left out of `make unit`

sync_playwright = playwright_or_skip("JupyterLab tests")

WIDGETS = ["forward_widget", "weight_gradient_widget", "boxes_widget", "flip_widget"]
# A kernel-free player in a notebook's output: its inlined script must run there too.
PLAYER = (
    "import numpy as np\nfrom convlib import frames\nfrom convlib.web import player\n"
    "player.player(frames.forward_frames(np.arange(12.0).reshape(3, 4), np.ones((2, 2))), "
    'title="Which pixels does y[0, 0] read?")'
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(f"from convlib.web import widgets\nwidgets.{name}()")
        for name in WIDGETS
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, root / "widgets.ipynb")
    players = nbformat.v4.new_notebook()
    players.cells = [nbformat.v4.new_code_cell(PLAYER)]
    players.metadata["kernelspec"] = notebook.metadata["kernelspec"]
    nbformat.write(players, root / "player.ipynb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    jupyter = Path(sys.executable).with_name("jupyter")
    server = subprocess.Popen(
        [
            jupyter,
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={root}",
            "--allow-root",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/lab", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    yield url
    server.terminate()
    server.wait(timeout=30)


def test_widgets_render_and_play_in_jupyterlab(lab):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        # Everything JupyterLab needs is served locally; refuse the rest (news, fonts, ...).
        page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
        page.goto(f"{lab}/lab/tree/widgets.ipynb")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        # Run the cells once the kernel is up: its status bar reads "Idle".
        page.wait_for_function("() => document.body.innerText.includes('| Idle')", timeout=60_000)
        page.locator(".jp-Notebook .jp-Cell").first.click()
        for _ in WIDGETS:
            page.keyboard.press("Shift+Enter")
            page.wait_for_timeout(300)
        for i, name in enumerate(WIDGETS):
            view = page.locator(".jp-Notebook .jp-Cell").nth(i).locator(".jp-OutputArea")
            caption = view.locator(".convlib-caption").first
            caption.wait_for(timeout=60_000)
            view.scroll_into_view_if_needed()
            first = caption.inner_text()
            assert view.locator("svg .cvl-box, svg .cvl-hi").count() > 0, name
            view.locator(".widget-play button").first.click()  # play: step slider, kernel, frame
            # The view's HTML is replaced at each step: re-read it rather than hold an element.
            for _ in range(100):
                if caption.inner_text() != first:
                    break
                page.wait_for_timeout(200)
            assert caption.inner_text() != first, f"{name}: play does not change the frame"
            view.locator(".widget-play button").nth(1).click()  # pause
        browser.close()


def test_a_player_draws_and_steps_in_jupyterlab(lab):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
        page.goto(f"{lab}/lab/workspaces/players/tree/player.ipynb")  # a workspace of its own
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_function("() => document.body.innerText.includes('| Idle')", timeout=60_000)
        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.keyboard.press("Shift+Enter")
        group = page.get_by_role("group", name="Which pixels does y[0, 0] read?")
        group.locator(".cvl-panel td").first.wait_for(timeout=60_000)
        # x, w, the products and y: y[0, 0] = 0 + 1 + 4 + 5, in the table's text.
        assert group.locator(".cvl-panel").count() == 4
        assert group.locator(".cvl-panel").nth(3).locator("tbody td").first.inner_text() == "10"
        group.get_by_role("button", name="Next frame").click()
        assert group.locator(".cvl-count").inner_text() == "2 / 6"
        assert group.locator(".cvl-status").text_content().startswith("Frame 2 of 6. y[0, 1] = ")
        browser.close()
