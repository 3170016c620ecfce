/* player.js: the stylesheet of players and explorers, one array as a table (grid), and the
   player that convlib.web.player.player() writes (player). */

/* global el, table, hiddenText */

const LINE = { "-": "solid", "--": "dashed", ":": "dotted" };
const DEFAULT_BOX = { ink: "blue", line: "solid", inset: 0.04 };
let boxStyles = {}; // box label -> {ink, line, inset}, from install()

/** Adds the stylesheet (once per page) and remembers the box styles.

    page = {vars, ink, fill, boxes, css}: the colours of convlib/palette.py, which become CSS
    custom properties (vars as --cvl-name, each ink as --cvl-ink-name, with a class cvl-ink-name
    of that colour, each fill as --cvl-fill-name), the box styles {label: {ink, line, inset}}
    and the stylesheets of convlib/web, which use only those properties for colours. */
function install(page) {
  boxStyles = page.boxes || {};
  if (document.getElementById("cvl-style")) return;
  const key = (name) => name.replace(/\s+/g, "-");
  const vars = Object.entries(page.vars || {}).map(([name, color]) => `--cvl-${name}:${color}`);
  const inks = [];
  for (const [name, color] of Object.entries(page.ink || {})) {
    vars.push(`--cvl-ink-${key(name)}:${color}`);
    inks.push(`.cvl-ink-${key(name)}{color:${color}}`);
  }
  for (const [name, color] of Object.entries(page.fill || {})) {
    vars.push(`--cvl-fill-${key(name)}:${color}`);
  }
  const css = `:root{${vars.join(";")}}${page.css || ""}${inks.join("")}`;
  document.head.append(el("style", { id: "cvl-style" }, css));
}

/** The style of a box: its own fields, else those of its label, else a solid blue line. */
function boxStyle(box) {
  const known = boxStyles[box.label || ""] || DEFAULT_BOX;
  return {
    ink: (box.ink || known.ink || DEFAULT_BOX.ink).replace(/\s+/g, "-"),
    line: LINE[box.line] || box.line || known.line || DEFAULT_BOX.line,
    inset: box.inset !== undefined ? box.inset : known.inset,
  };
}

/** What a sighted reader sees in a panel besides its numbers, for screen readers. */
function describe(panel, rows, cols) {
  const parts = [];
  const cells = panel.cells || [];
  if (cells.length && cells.length === rows * cols) {
    parts.push("all cells highlighted");
  } else if (cells.length) {
    parts.push(`highlighted ${cells.map(([r, c]) => `[${r}, ${c}]`).join(", ")}`);
  }
  for (const box of panel.boxes || []) {
    parts.push(
      `${box.label ? `window ${box.label}` : "window"} over rows ${box.r} to ` +
        `${box.r + box.height - 1}, columns ${box.c} to ${box.c + box.width - 1}`,
    );
  }
  if ((panel.muted || []).length) parts.push("grey cells are added zeros");
  if ((panel.inserted || []).length) parts.push("hatched cells are zeros inserted by the stride");
  return parts.length ? `: ${parts.join("; ")}` : "";
}

function cellSet(cells) {
  return new Set((cells || []).map(([r, c]) => `${r},${c}`));
}

/** One array as a <table> inside a <div class="cvl-panel">.

    panel: {title, values, cells, boxes, muted, inserted, width}
      values    rows of strings, already written for display; null (or "") for a blank cell
      cells     [row, column] pairs to highlight (fill, bold digits and a thick inner outline)
      boxes     {r, c, height, width, label, line, ink, inset}: an outlined window; label (e.g.
                "①") is written in its top right corner; line "solid", "dashed" or "dotted" (or
                "-", "--", ":"), ink a palette name and inset a fraction of a cell: by default
                the style install() gave its label
      muted     [row, column] pairs greyed out, digits in italics: zeros around or between entries
      inserted  [row, column] pairs hatched by a diagonal: zeros inserted by a stride
      width     the width of a cell in characters (default: the longest value)
    The caption is the title, followed, for screen readers only, by what the highlights and boxes
    show; the row and column headers read "row 2", "column 3". */
function grid(panel) {
  const values = panel.values;
  const rows = values.length;
  const cols = rows ? values[0].length : 0;
  const lengths = values.flat().map((v) => (v === null ? 0 : String(v).length));
  const width = Math.max(panel.width || 1, ...lengths);
  const hi = cellSet(panel.cells);
  const muted = cellSet(panel.muted);
  const inserted = cellSet(panel.inserted);
  const { table: node, cells } = table({
    rows,
    cols,
    attrs: { class: "cvl-grid" },
    caption: [panel.title || "", hiddenText(describe(panel, rows, cols))],
    headers: true,
    cell: (r, c) => {
      const where = `${r},${c}`;
      const classes = [
        muted.has(where) && "cvl-muted",
        inserted.has(where) && "cvl-inserted",
        hi.has(where) && "cvl-hi",
      ].filter(Boolean);
      return [{ class: classes.length ? classes.join(" ") : null }, values[r][c]];
    },
  });
  node.style.setProperty("--cw", `max(2.2em, calc(${width}ch + .8em))`);
  for (const box of panel.boxes || []) {
    const anchor = cells[box.r] && cells[box.r][box.c];
    if (!anchor) continue;
    const s = boxStyle(box);
    // Placed in its top-left cell, in that cell's units: every cell has the same size and
    // neighbouring cells share a 1 px border, so w cells span w * 100% + (w - 1) px.
    const inset = 100 * s.inset;
    const attrs = {
      class: `cvl-box cvl-ink-${s.ink}`,
      "aria-hidden": "true",
      "data-label": box.label || "",
      "data-line": s.line,
    };
    const label = box.label ? el("span", { class: "cvl-box-label" }, box.label) : [];
    const outline = el("span", attrs, label);
    Object.assign(outline.style, {
      borderStyle: s.line,
      left: `${inset}%`,
      top: `${inset}%`,
      width: `calc(${box.width * 100}% + ${box.width - 1}px - ${2 * inset}%)`,
      height: `calc(${box.height * 100}% + ${box.height - 1}px - ${2 * inset}%)`,
    });
    anchor.append(outline);
  }
  return el("div", { class: "cvl-panel" }, node);
}

/** Wires the player in root (a .cvl-player written by convlib.web.player.player()).

    Its frames are JSON in root's <script type="application/json" class="cvl-data">:
    {pool: [...], frames: [{caption, panels: [{title, values, cells, boxes, muted, inserted,
    width}]}]}, where values, muted and inserted are indices into pool (arrays shared by frames).
    Only the frame on show is in the page. Buttons step, the slider (1 to n) scrubs, Play
    advances every data-interval ms up to the last frame. The live region says "Frame k of n."
    and the caption after each step; while playing it is silent (aria-live off), and says where
    Play stopped. When the reader's system asks for reduced motion, nothing changes by itself:
    Play is hidden and a note says to step with the buttons or the slider. */
function player(root) {
  if (!root || root.getAttribute("data-ready")) return root;
  root.setAttribute("data-ready", "1");
  const { pool, frames } = JSON.parse(root.querySelector("script.cvl-data").textContent);
  const n = frames.length;
  const find = (selector) => root.querySelector(selector);
  const area = find(".cvl-panels");
  const status = find(".cvl-status");
  const where = find(".cvl-where");
  const caption = find(".convlib-caption");
  const slider = find(".cvl-scrub");
  const count = find(".cvl-count");
  const play = find("[data-act=play]");
  const playText = play.querySelector(".cvl-play-text");
  const playIcon = play.querySelector(".cvl-play-icon");
  const note = find(".cvl-motion-note");
  const interval = Number(root.getAttribute("data-interval")) || 1000;
  const motion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
  let k = 0;
  let timer = null;

  const panelOf = (p) => ({
    title: p.title,
    values: pool[p.values],
    cells: p.cells,
    boxes: p.boxes,
    muted: p.muted === undefined ? [] : pool[p.muted],
    inserted: p.inserted === undefined ? [] : pool[p.inserted],
    width: p.width,
  });

  // A frame wider than the player scrolls inside it: then the keyboard can reach it too.
  const fitScroll = () => {
    if (area.scrollWidth > area.clientWidth + 1) {
      area.setAttribute("tabindex", "0");
    } else {
      area.removeAttribute("tabindex");
    }
  };

  const show = (next, announce) => {
    k = Math.max(0, Math.min(n - 1, next));
    const frame = frames[k];
    area.replaceChildren(...frame.panels.map((p) => grid(panelOf(p))));
    const text = `Frame ${k + 1} of ${n}`;
    if (announce || where.textContent !== `${text}. ` || caption.textContent !== frame.caption) {
      // Both parts change together, so the live region reads them once, as one message.
      where.textContent = `${text}. `;
      caption.textContent = frame.caption;
    }
    slider.value = String(k + 1);
    slider.setAttribute("aria-valuetext", text);
    count.textContent = `${k + 1} / ${n}`;
    root.setAttribute("data-frame", String(k));
    fitScroll();
  };

  // Stops playing; with announce, the live region says where.
  const stop = (announce) => {
    if (timer === null) return;
    clearInterval(timer);
    timer = null;
    status.setAttribute("aria-live", "polite");
    playText.textContent = "Play";
    playIcon.textContent = "\u25B6 ";
    if (announce) show(k, true);
  };

  const start = () => {
    if (motion && motion.matches) return;
    if (k === n - 1) show(0);
    status.setAttribute("aria-live", "off");
    playText.textContent = "Pause";
    playIcon.textContent = "\u275A\u275A ";
    timer = setInterval(() => (k >= n - 1 ? stop(true) : show(k + 1)), interval);
  };

  const reducedMotion = () => {
    const reduce = Boolean(motion && motion.matches);
    if (reduce) stop(true);
    play.hidden = reduce;
    note.hidden = !reduce;
  };

  const steps = { first: () => 0, prev: () => k - 1, next: () => k + 1, last: () => n - 1 };
  for (const [act, step] of Object.entries(steps)) {
    find(`[data-act=${act}]`).addEventListener("click", () => {
      const next = step();
      stop(false);
      show(next);
    });
  }
  play.addEventListener("click", () => (timer !== null ? stop(true) : start()));
  slider.addEventListener("input", () => {
    const next = Number(slider.value) - 1;
    stop(false);
    show(next);
  });
  if (motion) motion.addEventListener("change", reducedMotion);
  if (window.ResizeObserver) new ResizeObserver(fitScroll).observe(area);
  reducedMotion();
  show(0);
  return root;
}

Object.assign(convlib, { install, grid, player });
