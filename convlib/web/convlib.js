/* convlib.js: the book's drawing script for the browser, in plain JavaScript, with no dependency.

   Python (convlib.player) inlines this file, with the book's palette, into every player it makes,
   so the same source serves the website, Jupyter and JupyterLite; each section below runs once per
   page however often it is inlined. It defines window.convlib:

   convlib.install(palette)  the stylesheet, once per page: CSS custom properties (--cvl-*) from
                              convlib/palette.py, and the style of each box label.
   convlib.grid(panel, opts)  one array as an HTML table: see grid() below.
   convlib.player(root)       wires a player that convlib.player.player() wrote: see player().
*/

// ---- grid and player ----
(function (convlib) {
  "use strict";
  if (convlib.player) {
    return;
  }

  var LINE = { "-": "solid", "--": "dashed", ":": "dotted" };
  var DEFAULT_BOX = { ink: "blue", line: "solid", inset: 0.04 };
  var boxStyles = {}; // box label -> {ink, line, inset}, from install()

  // Layout only: every colour is a custom property that install() sets from the palette. Players
  // keep a white ground in the dark theme too, so their colours never depend on the page's.
  var CSS = [
    ".cvl-player{background:var(--cvl-paper);color:var(--cvl-text);border:1px solid",
    " var(--cvl-rule);border-radius:4px;padding:.5em .6em;margin:.5em 0;max-width:100%;",
    "box-sizing:border-box;font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif}",
    ".cvl-player *{box-sizing:border-box}",
    ".cvl-player .cvl-title{margin:0 0 .4em;font-weight:600;color:var(--cvl-text)}",
    ".cvl-player .cvl-panels{display:flex;flex-wrap:wrap;gap:.6em 1.4em;align-items:flex-start;",
    "overflow-x:auto;padding:2px 2px 4px;position:relative}",
    ".cvl-panel{position:relative;isolation:isolate;flex:none}",
    "table.cvl-grid{border-collapse:collapse;margin:0;width:auto;background:var(--cvl-paper);",
    "color:var(--cvl-text);font-variant-numeric:tabular-nums;border:none}",
    "table.cvl-grid caption{caption-side:top;text-align:center;padding:0 0 .2em;font-size:14px;",
    "color:var(--cvl-text);white-space:nowrap}",
    "table.cvl-grid th,table.cvl-grid td.cvl-corner{font-weight:normal;font-size:12px;",
    "color:var(--cvl-index);background:var(--cvl-paper);border:none;padding:0 .35em;",
    "text-align:center;vertical-align:middle;line-height:1.2}",
    "table.cvl-grid td{position:relative;width:var(--cw);min-width:var(--cw);height:2.2em;",
    "padding:0 .15em;border:1px solid var(--cvl-rule);text-align:center;vertical-align:middle;",
    "font-size:14px;line-height:1;background:var(--cvl-paper);color:var(--cvl-text)}",
    "table.cvl-grid td.cvl-muted{background:var(--cvl-muted);font-style:italic}",
    "table.cvl-grid td.cvl-inserted{font-style:italic;background:linear-gradient(to top right,",
    "var(--cvl-inserted) calc(50% - 1px),var(--cvl-ink-blue) calc(50% - 1px),",
    "var(--cvl-ink-blue) calc(50% + 1px),var(--cvl-inserted) calc(50% + 1px))}",
    "table.cvl-grid td.cvl-hi{background:var(--cvl-hi);font-weight:700;",
    "box-shadow:inset 0 0 0 3px var(--cvl-ink-orange)}",
    ".cvl-box{position:absolute;z-index:1;pointer-events:none;border-width:3px;",
    "border-color:currentColor}",
    ".cvl-box-label{position:absolute;top:1px;right:2px;font-size:13px;font-weight:700;",
    "font-style:normal;line-height:1;background:var(--cvl-paper);padding:0 1px}",
    ".cvl-vh{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;border:0;",
    "overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap}",
    ".cvl-player .cvl-status{margin:.4em 0 0;color:var(--cvl-text)}",
    ".cvl-player .cvl-controls{display:flex;flex-wrap:wrap;align-items:center;gap:.4em;",
    "margin-top:.5em}",
    ".cvl-player button{min-width:2.6em;min-height:2.4em;padding:0 .6em;font:inherit;",
    "color:var(--cvl-text);background:var(--cvl-paper);border:1px solid var(--cvl-rule);",
    "border-radius:4px;cursor:pointer}",
    ".cvl-player button:hover{background:var(--cvl-muted)}",
    ".cvl-player button[hidden]{display:none}",
    ".cvl-player .cvl-scrub{flex:1 1 8em;min-width:6em;max-width:20em;margin:0;",
    "accent-color:var(--cvl-ink-blue)}",
    ".cvl-player .cvl-count{font-variant-numeric:tabular-nums;color:var(--cvl-text)}",
    ".cvl-player .cvl-motion-note{flex-basis:100%;margin:0;font-size:13px;color:var(--cvl-text)}",
    ".cvl-player button:focus-visible,.cvl-player input:focus-visible,",
    ".cvl-player .cvl-panels:focus-visible{outline:3px solid var(--cvl-ink-blue);",
    "outline-offset:2px}",
  ].join("");

  /** An element with attributes and, optionally, text. */
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  /** Adds the stylesheet (once per page) and remembers the box styles.

      palette = {vars: {name: colour}, ink: {name: colour}, boxes: {label: {ink, line, inset}}}:
      vars become --cvl-name, each ink --cvl-ink-name and a class cvl-ink-name (its colour). */
  function install(palette) {
    boxStyles = palette.boxes || {};
    if (document.getElementById("cvl-style")) {
      return;
    }
    var vars = [];
    var inks = [];
    Object.keys(palette.vars || {}).forEach(function (name) {
      vars.push("--cvl-" + name + ":" + palette.vars[name]);
    });
    Object.keys(palette.ink || {}).forEach(function (name) {
      var key = name.replace(/\s+/g, "-");
      vars.push("--cvl-ink-" + key + ":" + palette.ink[name]);
      inks.push(".cvl-ink-" + key + "{color:" + palette.ink[name] + "}");
    });
    var style = el("style", { id: "cvl-style" });
    style.textContent = ":root{" + vars.join(";") + "}" + CSS + inks.join("");
    document.head.appendChild(style);
  }

  /** The style of a box: its own fields, else those of its label, else a solid blue line. */
  function boxStyle(box) {
    var known = boxStyles[box.label || ""] || DEFAULT_BOX;
    return {
      ink: (box.ink || known.ink || DEFAULT_BOX.ink).replace(/\s+/g, "-"),
      line: LINE[box.line] || box.line || known.line || DEFAULT_BOX.line,
      inset: box.inset !== undefined ? box.inset : known.inset,
    };
  }

  function indexText(cells) {
    return cells
      .map(function (cell) {
        return "[" + cell[0] + ", " + cell[1] + "]";
      })
      .join(", ");
  }

  /** What a sighted reader sees in a panel besides its numbers, for screen readers. */
  function describe(panel, rows, cols) {
    var parts = [];
    var cells = panel.cells || [];
    if (cells.length && cells.length === rows * cols) {
      parts.push("all cells highlighted");
    } else if (cells.length) {
      parts.push("highlighted " + indexText(cells));
    }
    (panel.boxes || []).forEach(function (box) {
      parts.push(
        (box.label ? "window " + box.label : "window") +
          " over rows " + box.r + " to " + (box.r + box.height - 1) +
          ", columns " + box.c + " to " + (box.c + box.width - 1)
      );
    });
    if ((panel.muted || []).length) {
      parts.push("grey cells are added zeros");
    }
    if ((panel.inserted || []).length) {
      parts.push("hatched cells are zeros inserted by the stride");
    }
    return parts.length ? ": " + parts.join("; ") : "";
  }

  function cellSet(cells) {
    var set = {};
    (cells || []).forEach(function (cell) {
      set[cell[0] + "," + cell[1]] = true;
    });
    return set;
  }

  /** One array as a <table> inside a <div class="cvl-panel">.

      panel: {title, values, cells, boxes, muted, inserted, width}
        values    rows of strings, already formatted; null (or "") for a blank cell
        cells     [row, column] pairs to highlight (fill, bold digits and a thick inner outline)
        boxes     {r, c, height, width, label, line, ink, inset}: an outlined window; label (e.g.
                  "①") is written in its top right corner; line "solid", "dashed" or "dotted" (or
                  "-", "--", ":"), ink a palette name and inset a fraction of a cell: by default
                  the style install() gave its label
        muted     [row, column] pairs greyed out, digits in italics: zeros around or between entries
        inserted  [row, column] pairs hatched by a diagonal: zeros inserted by a stride
        width     the width of a cell in characters (default: the longest value)
      opts: {cell: function (td, row, column)} is called on every value cell, to add behaviour.
      The caption is the title, followed, for screen readers only, by what the highlights and boxes
      show; the row and column headers read "row 2", "column 3". */
  function grid(panel, opts) {
    opts = opts || {};
    var values = panel.values;
    var rows = values.length;
    var cols = rows ? values[0].length : 0;
    var width = panel.width || 1;
    values.forEach(function (row) {
      row.forEach(function (v) {
        width = Math.max(width, v === null ? 0 : String(v).length);
      });
    });
    var hi = cellSet(panel.cells);
    var muted = cellSet(panel.muted);
    var inserted = cellSet(panel.inserted);
    var table = el("table", { class: "cvl-grid" });
    table.style.setProperty("--cw", "max(2.2em, calc(" + width + "ch + .8em))");
    var caption = el("caption", null, panel.title || "");
    caption.appendChild(el("span", { class: "cvl-vh" }, describe(panel, rows, cols)));
    table.appendChild(caption);
    var head = el("tr");
    head.appendChild(el("td", { class: "cvl-corner" }));
    for (var j = 0; j < cols; j++) {
      var th = el("th", { scope: "col" });
      th.appendChild(el("span", { class: "cvl-vh" }, "column "));
      th.appendChild(document.createTextNode(String(j)));
      head.appendChild(th);
    }
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    var tds = [];
    for (var i = 0; i < rows; i++) {
      var tr = body.appendChild(el("tr"));
      var rh = el("th", { scope: "row" });
      rh.appendChild(el("span", { class: "cvl-vh" }, "row "));
      rh.appendChild(document.createTextNode(String(i)));
      tr.appendChild(rh);
      tds.push([]);
      for (j = 0; j < cols; j++) {
        var key = i + "," + j;
        var classes = [];
        if (muted[key]) classes.push("cvl-muted");
        if (inserted[key]) classes.push("cvl-inserted");
        if (hi[key]) classes.push("cvl-hi");
        var v = values[i][j];
        var td = el("td", classes.length ? { class: classes.join(" ") } : {}, v === null ? "" : v);
        if (opts.cell) opts.cell(td, i, j);
        tr.appendChild(td);
        tds[i].push(td);
      }
    }
    (panel.boxes || []).forEach(function (box) {
      var anchor = tds[box.r] && tds[box.r][box.c];
      if (!anchor) return;
      var s = boxStyle(box);
      // Placed in its top-left cell, in that cell's units: every cell has the same size and
      // neighbouring cells share a 1 px border, so w cells span w * 100% + (w - 1) px.
      var inset = 100 * s.inset;
      var outline = el("span", {
        class: "cvl-box cvl-ink-" + s.ink,
        "aria-hidden": "true",
        "data-label": box.label || "",
        "data-line": s.line,
      });
      outline.style.borderStyle = s.line;
      outline.style.left = inset + "%";
      outline.style.top = inset + "%";
      outline.style.width =
        "calc(" + box.width * 100 + "% + " + (box.width - 1) + "px - " + 2 * inset + "%)";
      outline.style.height =
        "calc(" + box.height * 100 + "% + " + (box.height - 1) + "px - " + 2 * inset + "%)";
      if (box.label) {
        outline.appendChild(el("span", { class: "cvl-box-label" }, box.label));
      }
      anchor.appendChild(outline);
    });
    var wrap = el("div", { class: "cvl-panel" });
    wrap.appendChild(table);
    return wrap;
  }

  /** Wires the player in root (a .cvl-player written by convlib.player.player()).

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
    var data = JSON.parse(root.querySelector("script.cvl-data").textContent);
    var pool = data.pool;
    var frames = data.frames;
    var n = frames.length;
    var area = root.querySelector(".cvl-panels");
    var status = root.querySelector(".cvl-status");
    var where = root.querySelector(".cvl-where");
    var caption = root.querySelector(".convlib-caption");
    var slider = root.querySelector(".cvl-scrub");
    var count = root.querySelector(".cvl-count");
    var play = root.querySelector("[data-act=play]");
    var playText = play.querySelector(".cvl-play-text");
    var note = root.querySelector(".cvl-motion-note");
    var interval = Number(root.getAttribute("data-interval")) || 1000;
    var motion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
    var k = 0;
    var timer = null;

    function panelOf(p) {
      return {
        title: p.title,
        values: pool[p.values],
        cells: p.cells,
        boxes: p.boxes,
        muted: p.muted === undefined ? [] : pool[p.muted],
        inserted: p.inserted === undefined ? [] : pool[p.inserted],
        width: p.width,
      };
    }

    function fitScroll() {
      // A frame wider than the player scrolls inside it: then the keyboard can reach it too.
      if (area.scrollWidth > area.clientWidth + 1) {
        area.setAttribute("tabindex", "0");
      } else {
        area.removeAttribute("tabindex");
      }
    }

    function show(next, announce) {
      k = Math.max(0, Math.min(n - 1, next));
      var frame = frames[k];
      var panels = frame.panels.map(function (p) {
        return grid(panelOf(p));
      });
      area.textContent = "";
      panels.forEach(function (p) {
        area.appendChild(p);
      });
      var text = "Frame " + (k + 1) + " of " + n;
      if (announce || where.textContent !== text + ". " || caption.textContent !== frame.caption) {
        // Both parts change together, so the live region reads them once, as one message.
        where.textContent = text + ". ";
        caption.textContent = frame.caption;
      }
      slider.value = String(k + 1);
      slider.setAttribute("aria-valuetext", text);
      count.textContent = k + 1 + " / " + n;
      root.setAttribute("data-frame", String(k));
      fitScroll();
    }

    /** Stops playing; with announce, the live region says where. */
    function stop(announce) {
      if (timer !== null) {
        clearInterval(timer);
        timer = null;
        status.setAttribute("aria-live", "polite");
        playText.textContent = "Play";
        play.querySelector(".cvl-play-icon").textContent = "\u25B6 ";
        if (announce) show(k, true);
      }
    }

    function start() {
      if (motion && motion.matches) return;
      if (k === n - 1) show(0);
      status.setAttribute("aria-live", "off");
      playText.textContent = "Pause";
      play.querySelector(".cvl-play-icon").textContent = "\u275A\u275A ";
      timer = setInterval(function () {
        if (k >= n - 1) {
          stop(true);
        } else {
          show(k + 1);
        }
      }, interval);
    }

    function reducedMotion() {
      var reduce = Boolean(motion && motion.matches);
      if (reduce) stop(true);
      play.hidden = reduce;
      note.hidden = !reduce;
    }

    var steps = {
      first: function () {
        return 0;
      },
      prev: function () {
        return k - 1;
      },
      next: function () {
        return k + 1;
      },
      last: function () {
        return n - 1;
      },
    };
    Object.keys(steps).forEach(function (act) {
      root.querySelector("[data-act=" + act + "]").addEventListener("click", function () {
        var next = steps[act]();
        stop(false);
        show(next);
      });
    });
    play.addEventListener("click", function () {
      if (timer !== null) {
        stop(true);
      } else {
        start();
      }
    });
    slider.addEventListener("input", function () {
      var next = Number(slider.value) - 1;
      stop(false);
      show(next);
    });
    if (motion) {
      if (motion.addEventListener) {
        motion.addEventListener("change", reducedMotion);
      } else if (motion.addListener) {
        motion.addListener(reducedMotion);
      }
    }
    if (window.ResizeObserver) {
      new ResizeObserver(fitScroll).observe(area);
    }
    reducedMotion();
    show(0);
    return root;
  }

  convlib.install = install;
  convlib.grid = grid;
  convlib.player = player;
})((window.convlib = window.convlib || {}));
