"""The browser tier: Chromium (through Playwright) against the built site and against pages the
tests write. One browser for the whole run, and each built edition served once on localhost.

Without Chromium or Playwright these tests skip and say how to install them; under CI
(``CI=true``) they fail instead (see tests/needs.py).
"""

import functools
import http.server
import threading

import pytest
from needs import CHROMIUM, CHROMIUM_ARGS, EDITIONS, playwright_or_skip


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    """A local HTTP server of ``directory`` on a free port, serving from a thread."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture(scope="session")
def servers():
    """Each built edition served on its own localhost port: {edition: address}."""
    running = {name: serve(site) for name, site in EDITIONS.items()}
    yield {name: f"http://127.0.0.1:{h.server_address[1]}/" for name, h in running.items()}
    for httpd in running.values():
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def server(servers):
    """The default edition's address."""
    return servers["default"]


# Module-scoped: Playwright's sync API allows one running instance at a time, and a module may
# launch Chromium with flags of its own (tests/browser/test_lite.py).
@pytest.fixture(scope="module")
def playwright():
    sync_playwright = playwright_or_skip("browser tests")
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright):
    """Debian's Chromium, launched with the flags that keep it from calling home."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
