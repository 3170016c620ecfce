"""Both editions of the built site against WCAG 2.1 AA, on a laptop and on a phone.

Every page of the table of contents, in the default edition (``_build/html``, ``make book``) and
the student edition (``_build/student/html``, ``make student``), is opened once in Chromium (see
tests/browser/test_browser.py) and checked after MathJax has typeset it and every solution is open:

- axe-core's WCAG 2.1 A and AA rules find nothing, in light and in dark mode;
- at 320 and 390 px wide no formula is clipped, no equation number is drawn over its formula
  and the page does not scroll sideways; a full-page screenshot of each is kept in
  ``_build/screenshots/`` for people to look at. These run on the default edition only: the
  student edition's pages are the same pages with the solutions taken out, the same stylesheet
  and formulas, so the default edition's holds everything they show;
- no MathJax element is in the Tab order, and every formula keeps its MathML for screen readers;
- the Tab key reaches a page's first player within 15 stops of the page's load;
- the page stays within its budget: 400 kB of HTML and 20,000 elements.

Without axe-core (``make test`` installs it with npm) the tests skip, or fail under CI.
"""

import json

import pytest
from needs import AXE, EDITIONS, missing, site_or_skip, under_ci
from test_browser import SCREENSHOTS, Visit, book_pages, wait_for_math

pytestmark = pytest.mark.slow  # left out of `make unit`

site_or_skip(EDITIONS["student"], "make student")

if not AXE.exists():
    missing(
        f"no axe-core at {AXE}: run `make test` (it runs npm install axe-core)",
        required=under_ci(),
    )
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Violations of the theme's own markup that the book cannot fix, as (rule, CSS selector of the
# element). None today: the theme's search and colour-mode buttons, whose spoken names differed
# from the text they show (label-content-name-mismatch), are renamed by _static/site.js.
KNOWN_THEME_VIOLATIONS = set()

NARROW_WIDTHS = [320, 390]
# The keyboard path counted, from the page's load: Tab lands on the theme's "Skip to main
# content" link (stop 1), Tab again on the book's "Skip to the first animation" (stop 2, added by
# _static/site.js), Enter follows it, and each further Tab is one more stop. (Through "Skip to
# main content" and the page's content instead, chapter 6's first player is some 60 stops away:
# its links, code cells and their copy buttons come first.)
MAX_TAB_STOPS = 15
FIRST_PLAYER_CONTROL = ".cvl-player button"
MAX_HTML_BYTES = 400_000
MAX_ELEMENTS = 20_000
BUDGET = {}  # "edition page" -> measured weight, written next to the screenshots


PAGES = [(edition, path) for edition in EDITIONS for path in book_pages()]
# Where the narrow widths are checked (see the module's docstring).
NARROW_EDITION = "default"


@pytest.fixture(scope="module", params=PAGES, ids=[f"{e}:{p}" for e, p in PAGES])
def opened(request, servers):
    """A page typeset and with every solution open, shared by the tests of that page (pytest
    runs all of one page's tests before it opens the next)."""
    edition, path = request.param
    chromium = request.getfixturevalue("browser")
    visit = Visit(chromium, servers[edition], path)
    wait_for_math(visit.page)
    for toggle in visit.page.locator(".dropdown button.toggle-button").all():
        toggle.click()
    next_frames(visit.page)
    visit.edition, visit.path, visit.server, visit.browser = (
        edition,
        path,
        servers[edition],
        chromium,
    )
    yield visit
    visit.close()


def next_frames(page):
    """Return once the page's fonts have loaded (MathJax's change every formula's width) and
    it has then drawn twice (layout and resize observers have run)."""
    page.evaluate(
        """() => document.fonts.ready.then(() => new Promise(
            r => requestAnimationFrame(() => requestAnimationFrame(r))))"""
    )


def axe_violations(page, only=None):
    """(rule, element, why) of every WCAG 2.1 A/AA violation axe-core finds on the page as
    shown (of the rules ``only``, if given)."""
    if not page.evaluate("() => 'axe' in window"):
        page.add_script_tag(path=str(AXE))
    run_only = {"type": "rule", "values": only} if only else {"type": "tag", "values": WCAG_21_AA}
    result = page.evaluate("runOnly => axe.run(document, {runOnly})", run_only)
    return [
        (violation["id"], " ".join(node["target"][-1:]), node["failureSummary"])
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


def set_colour_mode(page, mode):
    """Switch the theme's colour mode, as its button does, and return the page's background
    once the theme's colour transitions have ended (axe would measure colours half-way)."""
    return page.evaluate(
        """async mode => {
            document.documentElement.dataset.theme = mode;
            document.documentElement.dataset.mode = mode;
            const transitions = document.getAnimations().filter(a => a instanceof CSSTransition);
            await Promise.all(transitions.map(t => t.finished.catch(() => null)));
            return getComputedStyle(document.body).backgroundColor;
        }""",
        mode,
    )


def test_axe_finds_no_wcag_violation_in_light_or_dark_mode(opened):
    page = opened.page
    page.set_viewport_size({"width": 1280, "height": 900})
    next_frames(page)
    found = {}
    try:
        for mode, background in [("light", "rgb(255, 255, 255)"), ("dark", None)]:
            shown = set_colour_mode(page, mode)
            assert (shown == background) if background else shown != "rgb(255, 255, 255)", (
                f"the page did not switch to {mode} mode (background {shown})"
            )
            # Dark mode changes colours only: its run checks them alone (a second full run
            # would take as long again on the longest pages).
            only = ["color-contrast"] if mode == "dark" else None
            for rule, element, summary in axe_violations(page, only):
                if (rule, element) not in KNOWN_THEME_VIOLATIONS:
                    found.setdefault(f"{mode}: {rule} at {element}", summary)
    finally:
        set_colour_mode(page, "light")
    report = "\n".join(f"{where}\n    {why}" for where, why in list(found.items())[:20])
    assert not found, f"{opened.edition} {opened.path}: {len(found)} violations\n{report}"


# Every formula shown (inline, displayed, and MathJax's own container) whose content is cut off:
# wider than its box while its overflow is hidden, or reaching past the edge of a box that clips
# it, or of the window, with no scrolling box in between (a scrolling box must in turn be whole
# in sight or inside one that scrolls).
CLIPPED_FORMULAS = """() => {
    const within = (inner, outer) => inner.left >= outer.left - 1 && inner.right <= outer.right + 1;
    const window_ = {left: 0, right: document.documentElement.clientWidth};
    function reachable(el) {
        const box = el.getBoundingClientRect();
        for (let up = el.parentElement; up !== document.documentElement; up = up.parentElement) {
            const overflow = getComputedStyle(up).overflowX;
            if (overflow === "auto" || overflow === "scroll") return reachable(up);
            if (overflow !== "visible" && !within(box, up.getBoundingClientRect())) return false;
        }
        return within(box, window_);
    }
    const clipped = [];
    for (const el of document.querySelectorAll("span.math, div.math, mjx-container")) {
        // Not shown: a player's hidden frame, the page's contents in a closed drawer.
        if (!el.checkVisibility({visibilityProperty: true})) continue;
        let why = null;
        if (["hidden", "clip"].includes(getComputedStyle(el).overflowX)
                && el.scrollWidth > el.clientWidth + 1) {
            why = `cut: ${el.scrollWidth} px of content in ${el.clientWidth} px`;
        } else if (!reachable(el)) {
            why = "reaches past the edge of the window or of a box that clips it";
        }
        if (why) {
            const section = el.closest("[id]");
            clipped.push(`${why}: "${el.textContent.trim().slice(0, 50)}" in #${section?.id}`);
        }
    }
    return clipped;
}"""


# Every displayed equation whose number is drawn over (or under) its formula.
OVERLAPPING_NUMBERS = """() => [...document.querySelectorAll("div.math")].filter(math => {
    const number = math.querySelector(":scope > .eqno");
    const formula = math.querySelector("mjx-container");
    if (!number || !formula || !formula.getClientRects().length) return false;
    const a = number.getBoundingClientRect();
    // The formula as far as it is shown: its scrolling box, if it has one.
    const b = (formula.closest(".math-scrolls") || formula.querySelector("mjx-math"))
        .getBoundingClientRect();
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}).map(math => `${math.querySelector(".eqno").textContent.trim()} in #${math.id}`)"""


# The outermost elements reaching past the window's right edge with no box around them that
# scrolls or clips: what makes the page wider than the window.
PAST_THE_EDGE = """() => {
    const width = document.documentElement.clientWidth;
    const past = el => el.getBoundingClientRect().right > width + 1;
    const fixed = el => ["fixed", "sticky"].includes(getComputedStyle(el).position);
    const held = el => fixed(el) || getComputedStyle(el).overflowX !== "visible";
    const found = [];
    for (const el of document.querySelectorAll("body *")) {
        if (!past(el) || (el.parentElement !== document.body && past(el.parentElement))) continue;
        if (fixed(el)) continue;
        let up = el.parentElement;
        while (up !== document.body && !held(up)) up = up.parentElement;
        if (up !== document.body) continue;
        const text = el.textContent.trim().slice(0, 30);
        found.push(`${el.tagName.toLowerCase()}.${el.classList[0] || ""} "${text}"`);
    }
    return found.slice(0, 5);
}"""


@pytest.mark.parametrize("width", NARROW_WIDTHS)
def test_no_formula_is_clipped_and_the_page_does_not_scroll_sideways(opened, width):
    if opened.edition != NARROW_EDITION:
        pytest.skip(f"narrow widths are checked on the {NARROW_EDITION} edition's pages")
    page = opened.page
    page.set_viewport_size({"width": width, "height": 800})
    next_frames(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = opened.path.replace("/", "_").replace(".html", "")
    shot = SCREENSHOTS / f"{opened.edition}-{name}-{width}px.png"
    page.screenshot(path=shot, full_page=True, timeout=120_000)
    assert shot.stat().st_size > 10_000
    clipped = page.evaluate(CLIPPED_FORMULAS)
    assert clipped == [], f"{opened.edition} {opened.path} at {width} px: " + "\n".join(clipped)
    overlapping = page.evaluate(OVERLAPPING_NUMBERS)
    assert overlapping == [], f"{opened.path} at {width} px: equation numbers over their formula"
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{opened.edition} {opened.path} scrolls sideways at {width} px ({scroll_width} px "
        "wide), past the edge: " + " | ".join(page.evaluate(PAST_THE_EDGE))
    )


def test_formulas_are_out_of_the_tab_order_and_keep_their_mathml(opened):
    page = opened.page
    in_tab_order = page.eval_on_selector_all(
        "mjx-container, mjx-container *",
        "els => els.filter(e => e.tabIndex >= 0).map(e => e.outerHTML.slice(0, 80))",
    )
    assert in_tab_order == [], f"{opened.path}: MathJax elements in the Tab order"
    without_mathml = page.eval_on_selector_all(
        "mjx-container",
        """els => els.filter(e => {
            const mml = e.querySelector(':scope > mjx-assistive-mml');
            return !mml || !mml.querySelector('math') || mml.closest('[aria-hidden=true]');
        }).map(e => e.textContent.slice(0, 50))""",
    )
    assert without_mathml == [], f"{opened.path}: formulas a screen reader cannot read"
    if opened.path.startswith("chapters/"):
        assert page.locator("mjx-container").count() > 10, f"{opened.path}: no typeset math"


def test_tab_reaches_the_first_player_within_15_stops(opened):
    if opened.page.locator(FIRST_PLAYER_CONTROL).count() == 0:
        pytest.skip("no player on this page")
    # A fresh tab: the count starts at the page's load, before anything has had focus.
    visit = Visit(opened.browser, opened.server, opened.path)
    try:
        page = visit.page
        wait_for_math(page)
        stops = []
        for expected in ["Skip to main content", "Skip to the first animation"]:
            page.keyboard.press("Tab")
            stops.append(page.evaluate("() => document.activeElement.textContent.trim()"))
            assert stops[-1] == expected, f"{opened.path}: Tab stop {len(stops)} is {stops[-1]!r}"
        page.keyboard.press("Enter")
        while len(stops) < MAX_TAB_STOPS:
            page.keyboard.press("Tab")
            here = page.evaluate(
                """selector => {
                    const e = document.activeElement;
                    return {
                        player: e === document.querySelector(selector),
                        math: !!e.closest('mjx-container'),
                        name: `${e.tagName.toLowerCase()} ${(e.innerText || e.ariaLabel || '')
                            .trim().slice(0, 30)}`,
                    };
                }""",
                FIRST_PLAYER_CONTROL,
            )
            stops.append(here["name"])
            assert not here["math"], f"{opened.path}: Tab stop {len(stops)} is a formula"
            if here["player"]:
                break
        else:
            pytest.fail(
                f"{opened.edition} {opened.path}: the first player is not among the first "
                f"{MAX_TAB_STOPS} Tab stops: " + " | ".join(stops)
            )
    finally:
        visit.close()


def test_page_stays_within_its_budget(opened):
    """At most 400 kB of HTML and 20,000 elements, not counting the elements MathJax draws
    each formula with in the reader's browser (those come from the page's TeX, whatever
    the page's weight)."""
    html_bytes = (EDITIONS[opened.edition] / opened.path).stat().st_size
    elements = opened.page.evaluate(
        """() => document.getElementsByTagName('*').length
                 - document.querySelectorAll('mjx-container, mjx-container *').length"""
    )
    BUDGET[f"{opened.edition} {opened.path}"] = {"html_bytes": html_bytes, "elements": elements}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "page-budget.json").write_text(json.dumps(BUDGET, indent=1))
    weight = f"{html_bytes:,} bytes of HTML and {elements:,} elements"
    assert html_bytes <= MAX_HTML_BYTES and elements <= MAX_ELEMENTS, (
        f"{opened.edition} {opened.path}: {weight} (budget {MAX_HTML_BYTES:,} and {MAX_ELEMENTS:,})"
    )
