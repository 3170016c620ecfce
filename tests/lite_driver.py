"""Open chapters in the site's JupyterLite app with Chromium, run them, and time them.

Shared by the browser test (``tests/browser/test_lite.py``) and the speed benchmark
(``benchmarks/bench_lite.py``), so that what is timed is what is tested.

The site is served on 127.0.0.1 under a sub-path (``/conv-backprop/``), as a fork's GitHub Pages
site is, so relative links that only work at ``/`` fail here. Every request that is not to this
server is recorded and refused, and Chromium cannot resolve any other host name either.
"""

import functools
import http.server
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
LITE = SITE / "lite"
SUB_PATH = "/conv-backprop/"
# No host name resolves but the server's own address, so nothing can slip past the routing.
NO_OTHER_HOSTS = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


def chapter_pages():
    """The notebook chapters of ``_toc.yml``, as page paths relative to the site's root."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [f"{name}.html" for name in files if (ROOT / f"{name}.ipynb").exists()]


class _SubPathHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
    }

    def translate_path(self, path):
        if not path.startswith(SUB_PATH):
            return str(Path(self.directory) / "does-not-exist")  # 404: nothing lives at /
        return super().translate_path("/" + path[len(SUB_PATH) :])

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A browser that closes a connection early (a page left mid-download) is no error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SiteServer:
    """The built site at ``http://127.0.0.1:PORT/conv-backprop/``, in a background thread."""

    def __init__(self, site=SITE):
        handler = functools.partial(_SubPathHandler, directory=str(site))
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.url = self.origin + SUB_PATH
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Guard:
    """Records every request of a browser context; refuses those not to the site's server."""

    def __init__(self, context, origin):
        self.origin = origin
        self.refused, self.failed = [], []
        context.route("**/*", self._route)
        context.on("requestfailed", lambda request: self.failed.append(request.url))

    def reset(self):
        """Forget what was recorded so far (e.g. the book's page before the app opens)."""
        self.refused.clear()
        self.failed.clear()

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()


def launch_link(page, server, chapter):
    """The href of the JupyterLite launch button on a chapter's page, resolved to a full URL."""
    page.goto(urljoin(server.url, chapter), wait_until="domcontentloaded")
    links = page.locator("a[href*='lite/lab/index.html?path=']")
    if links.count() == 0:
        raise AssertionError(f"{chapter}: no JupyterLite launch button")
    return page.evaluate("a => a.href", links.first.element_handle())


IDLE_JS = """() => Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'),
    e => e.textContent).some(t => /Pyodide\\) \\| Idle/.test(t))"""
PROMPTS_JS = """() => Array.from(document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt'),
    p => p.textContent.trim())"""
OUTPUTS_JS = """() => document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-OutputArea-output').length"""


class NotebookRun:
    """One notebook opened from its launch link and run top to bottom with Run All Cells.

    ``kernel_ready``, ``first_output`` and ``done`` are seconds from opening the link;
    ``errors`` holds the text of every error or stderr output, ``unfinished`` the cells whose
    prompt has no number.
    """

    def __init__(self, page, url, timeout=180):
        self.page, self.url = page, url
        start = time.monotonic()
        page.goto(url, wait_until="domcontentloaded")
        page.locator(".jp-NotebookPanel .jp-CodeCell").first.wait_for(timeout=timeout * 1000)
        # Cells run before the kernel is up are dropped, as they are for a reader: wait for the
        # status bar to say the kernel is idle, then Run All Cells from the menu.
        page.wait_for_function(IDLE_JS, timeout=timeout * 1000)
        self.kernel_ready = time.monotonic() - start
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        self.first_output = self.done = None
        deadline = start + timeout
        while time.monotonic() < deadline:
            now = time.monotonic() - start
            if self.first_output is None and page.evaluate(OUTPUTS_JS) > 0:
                self.first_output = now
            prompts = page.evaluate(PROMPTS_JS)
            if prompts and all(p.strip("[]:").isdigit() for p in prompts):
                self.done = now
                self.first_output = self.first_output or now
                break
            page.wait_for_timeout(100)
        prompts = page.evaluate(PROMPTS_JS)
        self.cells = len(prompts)
        self.unfinished = [i for i, p in enumerate(prompts) if not p.strip("[]:").isdigit()]
        self.errors = page.eval_on_selector_all(
            ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output"
            "[data-mime-type='application/vnd.jupyter.stderr']",
            "els => els.map(e => e.innerText.slice(0, 2000))",
        )
