// The book's additions to the theme's pages:
// - accessible names for two of the theme's buttons, whose spoken name differs from what they
//   show (WCAG 2.5.3, Label in Name): a speech-input user says what they see;
// - formulas too wide for their box scroll inside it, and can be scrolled from the keyboard;
// - a second skip link, to a page's first animation player.
(() => {
  "use strict";

  // The search field shows "Search Ctrl+K" but is named "Search": named by its text instead,
  // with the shortcut declared as one.
  function nameSearchButtons() {
    for (const button of document.querySelectorAll(".search-button-field[aria-label]")) {
      button.removeAttribute("aria-label");
      button.setAttribute("aria-keyshortcuts", "Control+K");
    }
  }

  // The colour-mode button shows one of three icons, each titled ("Light", "Dark", "System
  // Settings"), but is named "Color mode": the icons are hidden from assistive technology and
  // the name becomes text of the button's own. The icon font's script replaces the icons after
  // this runs, so each new icon is hidden as it arrives.
  function nameColourModeButton(button) {
    const hideIcons = () => {
      for (const icon of button.querySelectorAll("svg, i")) {
        if (icon.getAttribute("aria-hidden") !== "true") icon.setAttribute("aria-hidden", "true");
      }
    };
    button.removeAttribute("aria-label");
    const name = document.createElement("span");
    name.className = "visually-hidden";
    name.textContent = "Color mode";
    button.append(name);
    hideIcons();
    new MutationObserver(hideIcons).observe(button, { childList: true, subtree: true });
  }

  // A formula too wide for the column scrolls sideways inside its own box: an inline one inside
  // its span, a displayed one inside a box put around it here, so that its equation number
  // (beside that box) stays in sight. Only while it is too wide does it get the class that lets
  // it scroll (site.css) and a place in the Tab order, so that a keyboard user can scroll it; a
  // formula that fits is no scrolling box at all (Chromium would otherwise make every formula
  // whose box is a fraction of a pixel too small a Tab stop). MathJax's own elements stay out
  // of the Tab order (_config.yml). Code blocks that scroll (the theme makes those it sees at
  // load reachable, but not those inside a solution opened later) get a Tab stop as well.
  function makeFormulasScrollable() {
    for (const formula of document.querySelectorAll("div.math > mjx-container")) {
      const box = document.createElement("div");
      box.className = "math-scroll";
      formula.replaceWith(box);
      box.append(formula);
    }
    const tooWide = (box) => box.scrollWidth > box.clientWidth + 1;
    const boxOf = new Map();
    const update = (entries) => {
      for (const { target } of entries) {
        const box = boxOf.get(target);
        if (box.tagName === "PRE") {
          if (tooWide(box)) box.setAttribute("tabindex", "0");
        } else if (tooWide(box)) {
          box.classList.add("math-scrolls");
          box.setAttribute("tabindex", "0");
        } else if (box.classList.contains("math-scrolls")) {
          box.classList.remove("math-scrolls");
          box.removeAttribute("tabindex");
        }
      }
    };
    const watcher = new ResizeObserver(update);
    const boxes = "span.math, div.math > .math-scroll, div.highlight pre, div.output pre";
    for (const box of document.querySelectorAll(boxes)) {
      // The box's size changes with the window, its content's as fonts load.
      for (const watched of [box, box.querySelector("mjx-math")]) {
        if (watched) {
          boxOf.set(watched, box);
          watcher.observe(watched);
        }
      }
    }
  }

  // MathJax loads after this script: wait for its first typesetting of the page.
  function whenTypeset(then, tries = 600) {
    const startup = window.MathJax && window.MathJax.startup;
    if (startup && startup.promise) {
      startup.promise.then(then);
    } else if (tries > 0 && document.querySelector(".math")) {
      setTimeout(() => whenTypeset(then, tries - 1), 100);
    }
  }

  // A chapter's first player can sit after dozens of links, code cells and copy buttons: next to
  // the theme's "Skip to main content", a link that goes straight to it (the second Tab stop of
  // the page; the next Tab is the player's first control).
  function addSkipLinkToFirstPlayer() {
    const player = document.querySelector(".cvl-player");
    const skipLinks = document.getElementById("pst-skip-link");
    if (!player || !skipLinks) return;
    if (!player.id) player.id = "first-animation";
    const link = document.createElement("a");
    link.href = `#${player.id}`;
    link.textContent = "Skip to the first animation";
    skipLinks.append(" ", link);
  }

  function start() {
    addSkipLinkToFirstPlayer();
    nameSearchButtons();
    document.querySelectorAll(".theme-switch-button").forEach(nameColourModeButton);
    whenTypeset(makeFormulasScrollable);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
