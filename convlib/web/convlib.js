/* convlib.js: the book's drawing script for the browser, in plain JavaScript, with no dependency.

   Python (convlib.player.script_element) inlines this file, with the book's palette, into every
   player and explorer it makes, so the same source serves the website, Jupyter and JupyterLite;
   each section below runs once per page however often it is inlined (and the website keeps only
   the first copy on each page: tools/shared_script.py). It defines window.convlib:

   convlib.install(palette)  the stylesheet, once per page: CSS custom properties (--cvl-*) from
                              convlib/palette.py, and the style of each box label.
   convlib.grid(panel, opts)  one array as an HTML table: see grid() below.
   convlib.player(root)       wires a player that convlib.player.player() wrote: see player().
   convlib.explorer(el, opts) builds an explorer that convlib.explorer.explorer() wrote: see the
                              explorer section.
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
// ---- explorer ----
// The backward-pass explorer: pick the sizes, stride, padding, dilation, channels and numbers of
// one convolution layer and see, cell by cell, where y, dL/dw and dL/dx come from. It computes in
// the page with convlib's definitions (cross-correlation, zero padding, dilation as the spacing
// between taps, the "full" gradient), exactly for integers. window.convlib.explorer(element,
// options) builds one inside element; convlib/explorer.py writes the options.
(function () {
  "use strict";
  var convlib = (window.convlib = window.convlib || {});
  if (convlib.explorer) {
    return; // the script is embedded once per explorer; the first copy serves them all
  }

  var MINUS = "\u2212";
  var DOT = "\u00b7";
  var BOXES = { first: "\u2460", middle: "\u2461", last: "\u2462", only: "\u2460=\u2462" };
  var LIMITS = {
    H: [1, 12], W: [1, 12], k1: [1, 7], k2: [1, 7], s1: [1, 4], s2: [1, 4],
    p1: [0, 4], p2: [0, 4], d1: [1, 4], d2: [1, 4], cin: [1, 3], cout: [1, 3],
  };
  var SIZE_KEYS = Object.keys(LIMITS);
  var RANGES = { x: [-3, 3], w: [-2, 2], dy: [-2, 2] }; // the chapters' small random integers
  var TYPED_LIMIT = 99;
  var MODES = {
    forward: { label: "forward: y = x \u22c6 w", output: "y" },
    grad_w: { label: "weight gradient: \u2202L/\u2202w", output: "dw" },
    grad_x: { label: "input gradient: \u2202L/\u2202x", output: "dx" },
  };
  var NAMES = { x: "x", w: "w", y: "y", dy: "\u2202L/\u2202y", dw: "\u2202L/\u2202w",
    dx: "\u2202L/\u2202x", z: "z", f: "flip(w)" };
  var serial = 0;

  // ---- numbers ----

  function fmt(v) {
    return v < 0 ? MINUS + String(-v) : String(v);
  }

  function factor(v) {
    return v < 0 ? "(" + fmt(v) + ")" : fmt(v);
  }

  // A small integer for entry idx of array name, the same for a seed whatever the sizes, so that
  // growing a grid keeps the numbers already there.
  function seeded(seed, name, idx) {
    var h = (2166136261 ^ seed) >>> 0;
    var key = name + ":" + idx.join(",");
    for (var i = 0; i < key.length; i++) {
      h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
    }
    h ^= h >>> 15;
    h = Math.imul(h, 2246822507) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 3266489909) >>> 0;
    h ^= h >>> 16;
    var lo = RANGES[name][0], hi = RANGES[name][1];
    return lo + ((h >>> 0) % (hi - lo + 1));
  }

  // Nested arrays of the given shape; fill(idx) gives each entry.
  function build(shape, fill, prefix) {
    prefix = prefix || [];
    var out = [];
    for (var i = 0; i < shape[0]; i++) {
      var idx = prefix.concat([i]);
      out.push(shape.length === 1 ? fill(idx) : build(shape.slice(1), fill, idx));
    }
    return out;
  }

  function at(array, idx) {
    var v = array;
    for (var i = 0; i < idx.length; i++) {
      if (!v || idx[i] >= v.length) {
        return undefined;
      }
      v = v[idx[i]];
    }
    return v;
  }

  function outputSize(n, k, s, p, d) {
    return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
  }

  function shapes(st) {
    var N1 = outputSize(st.H, st.k1, st.s1, st.p1, st.d1);
    var N2 = outputSize(st.W, st.k2, st.s2, st.p2, st.d2);
    return {
      x: [st.cin, st.H, st.W], w: [st.cout, st.cin, st.k1, st.k2], dy: [st.cout, N1, N2],
      N1: N1, N2: N2,
    };
  }

  // Why these sizes make no output, in words, or "" when they make one.
  function whyNoOutput(st) {
    var axes = [["rows", "H", "k1", "p1", "d1"], ["columns", "W", "k2", "p2", "d2"]];
    var reasons = [];
    axes.forEach(function (ax) {
      var n = st[ax[1]], k = st[ax[2]], p = st[ax[3]], d = st[ax[4]];
      var span = d * (k - 1) + 1, room = n + 2 * p;
      if (span > room) {
        reasons.push(
          "the kernel spans " + span + " " + ax[0] + " (" + ax[4] + DOT + "(" + ax[2] +
          " " + MINUS + " 1) + 1 with " + ax[2] + " = " + k + ", " + ax[4] + " = " + d +
          ") but the padded input has only " + room + " (" + ax[1] + " + 2" + DOT + ax[3] +
          " with " + ax[1] + " = " + n + ", " + ax[3] + " = " + p + ")"
        );
      }
    });
    if (!reasons.length) {
      return "";
    }
    return "No output: " + reasons.join("; and ") + ". No window fits, so y, \u2202L/\u2202y " +
      "and both gradients are empty. Make the input larger, the padding larger, or the kernel " +
      "or the dilation smaller.";
  }

  // Every term of the layer: window (r, c) of output channel o, tap (a, b) of input channel i,
  // reading the padded input at (s1 r + d1 a, s2 c + d2 b).
  function terms(st, N1, N2) {
    var out = [];
    for (var o = 0; o < st.cout; o++)
      for (var i = 0; i < st.cin; i++)
        for (var r = 0; r < N1; r++)
          for (var c = 0; c < N2; c++)
            for (var a = 0; a < st.k1; a++)
              for (var b = 0; b < st.k2; b++) {
                var rp = st.s1 * r + st.d1 * a, cp = st.s2 * c + st.d2 * b;
                out.push({
                  o: o, i: i, r: r, c: c, a: a, b: b, rp: rp, cp: cp,
                  pad: rp < st.p1 || rp >= st.p1 + st.H || cp < st.p2 || cp >= st.p2 + st.W,
                });
              }
    return out;
  }

  // y, dL/dw, dL/dx, the zero-inserted and padded dL/dy and the flipped w, from x, w and dL/dy.
  function compute(st, arrays) {
    var sh = shapes(st), N1 = sh.N1, N2 = sh.N2;
    var x = arrays.x, w = arrays.w, dy = arrays.dy;
    var zero = function () { return 0; };
    var y = build([st.cout, N1, N2], zero);
    var dw = build(sh.w, zero);
    var dx = build(sh.x, zero);
    terms(st, N1, N2).forEach(function (t) {
      var xv = t.pad ? 0 : x[t.i][t.rp - st.p1][t.cp - st.p2];
      y[t.o][t.r][t.c] += xv * w[t.o][t.i][t.a][t.b];
      dw[t.o][t.i][t.a][t.b] += dy[t.o][t.r][t.c] * xv;
      if (!t.pad) {
        dx[t.i][t.rp - st.p1][t.cp - st.p2] += dy[t.o][t.r][t.c] * w[t.o][t.i][t.a][t.b];
      }
    });
    var span1 = st.d1 * (st.k1 - 1), span2 = st.d2 * (st.k2 - 1);
    var z = build([st.cout, st.s1 * (N1 - 1) + 1 + 2 * span1, st.s2 * (N2 - 1) + 1 + 2 * span2],
      zero);
    for (var o = 0; o < st.cout; o++)
      for (var r = 0; r < N1; r++)
        for (var c = 0; c < N2; c++) z[o][st.s1 * r + span1][st.s2 * c + span2] = dy[o][r][c];
    var f = build(sh.w, function (idx) {
      return w[idx[0]][idx[1]][st.k1 - 1 - idx[2]][st.k2 - 1 - idx[3]];
    });
    return { y: y, dw: dw, dx: dx, z: z, f: f };
  }

  // ---- the explorer ----

  function Explorer(root, options) {
    this.root = root;
    this.id = root.id || "cvl-explorer-" + ++serial;
    this.title = options.title || "Explorer";
    this.presets = options.presets || {};
    this.st = { mode: "forward", seed: 0 };
    var self = this;
    SIZE_KEYS.forEach(function (key) { self.st[key] = key.charAt(0) === "p" ? 0 : 1; });
    this.arrays = { x: null, w: null, dy: null };
    this.focus = null;
    this.pending = null;
    this.skeleton();
    this.apply(options.settings || {});
    var initial = options.focus;
    if (initial) {
      this.setFocus(initial);
    }
  }

  Explorer.prototype.apply = function (settings) {
    var st = this.st;
    if (settings.preset !== undefined && this.presets[settings.preset]) {
      var preset = this.presets[settings.preset];
      this.apply(Object.assign({}, preset.settings, settings, { preset: undefined }));
      if (preset.focus && !settings.focus) {
        this.setFocus(preset.focus);
      }
      this.presetSelect.value = settings.preset;
      return;
    }
    if (settings.mode !== undefined) {
      if (!MODES[settings.mode]) {
        throw new Error("mode must be one of forward, grad_w, grad_x, got " + settings.mode);
      }
      st.mode = settings.mode;
    }
    SIZE_KEYS.forEach(function (key) {
      if (settings[key] !== undefined) {
        var v = Number(settings[key]);
        if (!Number.isInteger(v) || v < LIMITS[key][0] || v > LIMITS[key][1]) {
          throw new Error(key + " must be an integer from " + LIMITS[key][0] + " to " +
            LIMITS[key][1] + ", got " + settings[key]);
        }
        st[key] = v;
      }
    });
    this.presetSelect.value = "";
    var fresh = false;
    if (settings.seed !== undefined) {
      st.seed = Number(settings.seed) >>> 0;
      fresh = true;
    }
    var self = this, sh = shapes(st);
    ["x", "w", "dy"].forEach(function (name) {
      var given = settings[name];
      var old = fresh ? null : self.arrays[name];
      self.arrays[name] = sh[name][1] < 1 || sh[name][2] < 1 ? null : build(sh[name], function (idx) {
        var v = given !== undefined ? at(given, idx) : old ? at(old, idx) : undefined;
        return v === undefined ? seeded(st.seed, name, idx) : v;
      });
    });
    // dL/dy keeps its numbers while a size leaves no output, and gets them back after.
    if (!this.arrays.dy) {
      this.arrays.dy = this.keptDy || null;
    } else {
      this.keptDy = this.arrays.dy;
    }
    this.render();
  };

  Explorer.prototype.skeleton = function () {
    var self = this, root = this.root, id = this.id;
    root.classList.add("cvl-explorer");
    root.setAttribute("role", "group");
    root.setAttribute("aria-labelledby", id + "-title");
    root.innerHTML = "";
    var title = el("p", { class: "cvl-x-title", id: id + "-title" }, this.title);
    root.appendChild(title);
    var controls = el("div", { class: "cvl-x-controls" });
    root.appendChild(controls);

    var modes = el("fieldset", { class: "cvl-x-modes" });
    modes.appendChild(el("legend", {}, "Show"));
    this.modeInputs = {};
    Object.keys(MODES).forEach(function (mode) {
      var input = el("input", { type: "radio", name: id + "-mode", value: mode });
      input.addEventListener("change", function () {
        if (input.checked) self.user({ mode: mode });
      });
      self.modeInputs[mode] = input;
      modes.appendChild(el("label", {}, [input, " " + MODES[mode].label]));
    });
    controls.appendChild(modes);

    var sizes = el("fieldset", { class: "cvl-x-sizes" });
    sizes.appendChild(el("legend", {}, "Sizes (rows, columns)"));
    this.sizeInputs = {};
    var rows = [
      ["input H, W", "H", "W", "input height H", "input width W"],
      ["kernel k1, k2", "k1", "k2", "kernel height k1", "kernel width k2"],
      ["stride s1, s2", "s1", "s2", "stride along rows s1", "stride along columns s2"],
      ["padding p1, p2", "p1", "p2", "padding of rows p1", "padding of columns p2"],
      ["dilation d1, d2", "d1", "d2", "dilation along rows d1", "dilation along columns d2"],
      ["channels in, out", "cin", "cout", "input channels C_in", "output channels C_out"],
    ];
    rows.forEach(function (row) {
      var line = el("div", { class: "cvl-x-pair" });
      line.appendChild(el("span", { class: "cvl-x-pair-name", "aria-hidden": "true" }, row[0]));
      [1, 2].forEach(function (j) {
        var key = row[j];
        var input = el("input", {
          type: "number", min: LIMITS[key][0], max: LIMITS[key][1], step: 1,
          "data-setting": key, "aria-label": row[j + 2], inputmode: "numeric",
        });
        input.addEventListener("change", function () {
          var v = Number(input.value);
          if (!Number.isInteger(v) || v < LIMITS[key][0] || v > LIMITS[key][1]) {
            self.say(row[j + 2] + " must be a whole number from " + LIMITS[key][0] + " to " +
              LIMITS[key][1] + "; it stays " + self.st[key] + ".", true);
            input.value = self.st[key];
            return;
          }
          var change = {};
          change[key] = v;
          self.user(change);
        });
        self.sizeInputs[key] = input;
        line.appendChild(input);
      });
      sizes.appendChild(line);
    });
    controls.appendChild(sizes);

    var numbers = el("fieldset", { class: "cvl-x-numbers" });
    numbers.appendChild(el("legend", {}, "Numbers"));
    var seed = el("input", { type: "number", min: 0, step: 1, id: id + "-seed",
      "data-setting": "seed", inputmode: "numeric" });
    seed.addEventListener("change", function () {
      var v = Number(seed.value);
      if (!Number.isInteger(v) || v < 0) {
        self.say("The seed must be a whole number from 0; it stays " + self.st.seed + ".", true);
        seed.value = self.st.seed;
        return;
      }
      self.user({ seed: v });
    });
    this.seedInput = seed;
    numbers.appendChild(el("label", { for: id + "-seed" }, "random integers, seed "));
    numbers.appendChild(seed);
    var again = el("button", { type: "button", "data-act": "reseed" }, "new numbers");
    again.addEventListener("click", function () { self.user({ seed: self.st.seed + 1 }); });
    numbers.appendChild(again);
    var select = el("select", { id: id + "-preset", "data-setting": "preset" });
    select.appendChild(el("option", { value: "" }, "(choose)"));
    Object.keys(this.presets).forEach(function (name) {
      select.appendChild(el("option", { value: name }, self.presets[name].label || name));
    });
    select.addEventListener("change", function () {
      if (select.value) self.user({ preset: select.value });
    });
    this.presetSelect = select;
    numbers.appendChild(el("label", { for: id + "-preset" }, " or an example "));
    numbers.appendChild(select);
    numbers.appendChild(el("p", { class: "cvl-x-hint" },
      "Type a whole number into any cell of x, w or \u2202L/\u2202y (or press Enter there) to " +
      "change it. Arrow keys move inside a grid, Tab moves to the next grid."));
    controls.appendChild(numbers);

    this.message = el("p", { class: "cvl-x-message", role: "status" });
    root.appendChild(this.message);
    this.grids = el("div", { class: "cvl-x-grids" });
    root.appendChild(this.grids);
    var swatch = function (cls, text) {
      return el("span", { class: "cvl-x-key" }, [el("span", { class: "cvl-swatch " + cls,
        "aria-hidden": "true" }), " " + text]);
    };
    root.appendChild(el("p", { class: "cvl-x-legend" }, [
      "Around the focused cell (thick frame): ",
      swatch("cvl-from", "solid: computed from;"),
      swatch("cvl-feeds", "dashed: feeds;"),
      swatch("cvl-with", "dotted: multiplied with;"),
      " \u2460 \u2461 \u2462: the first, middle and last window that holds a pixel of " +
        NAMES.dx + ".",
    ]));
    this.sum = el("div", { class: "cvl-x-sum", "aria-live": "polite" });
    root.appendChild(this.sum);
  };

  // A change made by the reader: apply it, keep the focus, and announce any error.
  Explorer.prototype.user = function (change) {
    var focus = change.preset === undefined ? this.focus : null; // a preset brings its own
    this.apply(change);
    if (focus && this.cell(focus)) {
      this.setFocus(focus);
    }
  };

  Explorer.prototype.say = function (text, isError) {
    this.message.textContent = text;
    this.message.classList.toggle("cvl-x-error", !!isError);
  };

  // The grids of the current mode: array name, channel index, rows and columns, and each value.
  Explorer.prototype.panels = function (st, sh, res) {
    var a = this.arrays, mode = st.mode, out = [];
    var chOut = [], chPairs = [], chIn = [];
    var o, i;
    for (o = 0; o < st.cout; o++) chOut.push([o]);
    for (i = 0; i < st.cin; i++) chIn.push([i]);
    for (o = 0; o < st.cout; o++) for (i = 0; i < st.cin; i++) chPairs.push([o, i]);
    var xPadded = {
      name: "x", title: st.p1 || st.p2 ? "x, zero-padded" : "x", channels: chIn, editable: true,
      rows: st.H + 2 * st.p1, cols: st.W + 2 * st.p2, offset: [st.p1, st.p2],
      value: function (ch, r, c) { return a.x[ch[0]][r][c]; },
    };
    var wPanel = { name: "w", title: "w", channels: chPairs, editable: true, rows: st.k1,
      cols: st.k2, value: function (ch, r, c) { return a.w[ch[0]][ch[1]][r][c]; } };
    var dyPanel = { name: "dy", title: NAMES.dy, channels: chOut, editable: true, rows: sh.N1,
      cols: sh.N2, value: function (ch, r, c) { return a.dy[ch[0]][r][c]; } };
    if (mode === "forward") {
      out.push(xPadded, wPanel);
      if (res) out.push({ name: "y", title: "y = x \u22c6 w", channels: chOut, rows: sh.N1,
        cols: sh.N2, value: function (ch, r, c) { return res.y[ch[0]][r][c]; } });
    } else if (mode === "grad_w") {
      out.push(xPadded);
      if (res) {
        out.push(dyPanel, { name: "dw", title: NAMES.dw + " = x \u22c6 \u2202L/\u2202y",
          channels: chPairs, rows: st.k1, cols: st.k2,
          value: function (ch, r, c) { return res.dw[ch[0]][ch[1]][r][c]; } });
      }
    } else {
      if (res) out.push(dyPanel);
      out.push(wPanel);
      if (res) {
        var inserted = st.s1 > 1 || st.s2 > 1;
        out.push({ name: "z", title: "z: \u2202L/\u2202y" + (inserted ? " with zeros inserted, " +
          "padded" : ", padded"), channels: chOut, rows: res.z[0].length, cols: res.z[0][0].length,
          value: function (ch, r, c) { return res.z[ch[0]][r][c]; } });
        out.push({ name: "f", title: "flip(w)", channels: chPairs, rows: st.k1, cols: st.k2,
          value: function (ch, r, c) { return res.f[ch[0]][ch[1]][r][c]; } });
        out.push({ name: "dx", title: NAMES.dx, channels: chIn, rows: st.H, cols: st.W,
          value: function (ch, r, c) { return res.dx[ch[0]][r][c]; } });
      }
    }
    return out;
  };

  Explorer.prototype.render = function () {
    var st = this.st, sh = shapes(st), self = this;
    this.modeInputs[st.mode].checked = true;
    SIZE_KEYS.forEach(function (key) { self.sizeInputs[key].value = st[key]; });
    this.seedInput.value = st.seed;
    var why = whyNoOutput(st);
    this.noOutput = why;
    this.say(why, false);
    this.result = why ? null : compute(st, this.arrays);
    this.terms = why ? [] : terms(st, sh.N1, sh.N2);
    this.grids.innerHTML = "";
    this.cells = {};
    this.multi = st.cin > 1 || st.cout > 1;
    this.panels(st, sh, this.result).forEach(function (panel) {
      self.grids.appendChild(self.drawGridPanel(panel));
    });
    this.focus = null;
    this.sum.textContent = why ? "" : "Focus or hover a cell to see where it comes from.";
  };

  // One array as a figure of labelled grids, one per channel; a reusable grid drawer.
  Explorer.prototype.drawGridPanel = function (panel) {
    var self = this;
    var figure = el("div", { class: "cvl-x-panel", "data-array": panel.name });
    figure.appendChild(el("p", { class: "cvl-x-panel-title" }, panel.title));
    panel.channels.forEach(function (ch) {
      var label = panel.title + (self.multi ? channelWords(panel.name, ch) : "");
      var wrap = el("div", { class: "cvl-x-grid-wrap" });
      if (self.multi) wrap.appendChild(el("p", { class: "cvl-x-channel" },
        channelWords(panel.name, ch).replace(/^, /, "")));
      var table = drawGrid(panel.rows, panel.cols, label, function (r, c) {
        var inside = true, ar = r, ac = c;
        if (panel.offset) {
          ar = r - panel.offset[0];
          ac = c - panel.offset[1];
          inside = ar >= 0 && ar < self.st.H && ac >= 0 && ac < self.st.W;
        }
        var key = cellKey(panel.name, ch, r, c);
        var v = inside ? panel.value(ch, ar, ac) : 0;
        var name = inside ? self.cellName(panel.name, ch, ar, ac) :
          "padding, row " + r + ", column " + c + " of x padded";
        return { key: key, value: v, name: name, pad: !inside,
          editable: panel.editable && inside, ch: ch, r: ar, c: ac };
      });
      table.setAttribute("data-array", panel.name);
      table.setAttribute("data-channel", ch.join(","));
      table.querySelectorAll("td").forEach(function (td) {
        self.cells[td.getAttribute("data-key")] = td;
      });
      self.wire(table, panel);
      wrap.appendChild(table);
      figure.appendChild(wrap);
    });
    return figure;
  };

  Explorer.prototype.cellName = function (name, ch, r, c) {
    var idx = (this.multi ? ch : []).concat([r, c]).join(", ");
    return NAMES[name] + "[" + idx + "]";
  };

  function channelWords(name, ch) {
    if (ch.length === 2) return ", output channel " + ch[0] + ", input channel " + ch[1];
    if (name === "x" || name === "dx") return ", input channel " + ch[0];
    return ", output channel " + ch[0];
  }

  function cellKey(name, ch, r, c) {
    return name + ":" + ch.join(",") + ":" + r + "," + c;
  }

  // A rows x cols ARIA grid; cell(r, c) gives {key, value, name, pad, editable}. Arrow keys, Home,
  // End, PageUp and PageDown move a roving tabindex; one Tab stop per grid.
  function drawGrid(rows, cols, label, cell) {
    var table = el("table", { role: "grid", class: "cvl-grid", "aria-label": label });
    var body = el("tbody");
    for (var r = 0; r < rows; r++) {
      var tr = el("tr", { role: "row" });
      for (var c = 0; c < cols; c++) {
        var info = cell(r, c);
        var td = el("td", {
          role: "gridcell", tabindex: r === 0 && c === 0 ? "0" : "-1",
          "data-key": info.key, "data-row": r, "data-col": c, "data-value": info.value,
          "aria-label": info.name + " = " + fmt(info.value),
          "data-label": info.name + " = " + fmt(info.value),
        }, [el("span", { class: "cvl-v", "aria-hidden": "true" }, fmt(info.value)),
          el("span", { class: "cvl-mark", "aria-hidden": "true" })]);
        if (info.pad) td.classList.add("cvl-pad");
        if (info.editable) {
          td.classList.add("cvl-edit");
          td.setAttribute("aria-readonly", "false");
        } else {
          td.setAttribute("aria-readonly", "true");
        }
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    table.appendChild(body);
    table.addEventListener("focusin", function (event) {
      var td = event.target.closest && event.target.closest("td");
      if (!td || td.getAttribute("tabindex") === "0") return;
      table.querySelectorAll("td[tabindex='0']").forEach(function (cell) {
        cell.setAttribute("tabindex", "-1");
      });
      td.setAttribute("tabindex", "0");
    });
    table.addEventListener("keydown", function (event) {
      var td = event.target.closest && event.target.closest("td");
      if (!td || event.target.tagName === "INPUT") return;
      var r = Number(td.getAttribute("data-row")), c = Number(td.getAttribute("data-col"));
      var moves = {
        ArrowUp: [r - 1, c], ArrowDown: [r + 1, c], ArrowLeft: [r, c - 1],
        ArrowRight: [r, c + 1], Home: [r, 0], End: [r, cols - 1], PageUp: [0, c],
        PageDown: [rows - 1, c],
      };
      var to = moves[event.key];
      if (!to) return;
      event.preventDefault();
      moveGridFocus(table, Math.max(0, Math.min(rows - 1, to[0])),
        Math.max(0, Math.min(cols - 1, to[1])));
    });
    return table;
  }

  function moveGridFocus(table, r, c) {
    var target = table.rows[r].cells[c];
    table.querySelectorAll("td[tabindex='0']").forEach(function (td) {
      td.setAttribute("tabindex", "-1");
    });
    target.setAttribute("tabindex", "0");
    target.focus();
  }

  Explorer.prototype.wire = function (table, panel) {
    var self = this;
    table.addEventListener("focusin", function (event) {
      var td = event.target.closest("td");
      if (td && event.target.tagName !== "INPUT") self.setFocus(td.getAttribute("data-key"));
    });
    table.addEventListener("mouseover", function (event) {
      var td = event.target.closest("td");
      if (td && !self.editing) self.setFocus(td.getAttribute("data-key"));
    });
    if (!panel.editable) return;
    table.addEventListener("keydown", function (event) {
      var td = event.target.closest("td");
      if (!td || !td.classList.contains("cvl-edit") || event.target.tagName === "INPUT") return;
      if (event.key === "Enter" || event.key === "F2") {
        event.preventDefault();
        self.edit(td, "");
      } else if (/^[0-9-]$/.test(event.key) && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        self.edit(td, event.key);
      }
    });
    table.addEventListener("dblclick", function (event) {
      var td = event.target.closest("td.cvl-edit");
      if (td) self.edit(td, "");
    });
  };

  // Edit one input cell in place: Enter keeps the number, Escape cancels.
  Explorer.prototype.edit = function (td, start) {
    var self = this, key = td.getAttribute("data-key");
    var input = el("input", { type: "text", inputmode: "numeric", class: "cvl-x-input",
      "aria-label": "new value of " + td.getAttribute("aria-label").split(" = ")[0] });
    input.value = start || td.getAttribute("data-value");
    var done = false;
    this.editing = true;
    td.appendChild(input);
    input.focus();
    if (!start) input.select();
    function finish(keep) {
      if (done) return;
      done = true;
      self.editing = false;
      var text = input.value.trim().replace(MINUS, "-");
      input.remove();
      if (keep && text !== "" && text !== td.getAttribute("data-value")) {
        if (!self.setValue(key, text)) {
          var back = self.cells[key];
          if (back) back.focus();
          return;
        }
      }
      var cell = self.cells[key];
      if (cell) {
        self.setFocus(key);
        cell.focus();
      }
    }
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); finish(true); }
      else if (event.key === "Escape") { event.preventDefault(); finish(false); }
    });
    input.addEventListener("blur", function () { finish(true); });
  };

  // Set an entry of x, w or dL/dy from typed text; false (and a message) if it is not a number.
  Explorer.prototype.setValue = function (key, text) {
    var parts = key.split(":"), name = parts[0];
    var ch = parts[1].split(",").map(Number), rc = parts[2].split(",").map(Number);
    var v = Number(text);
    if (!/^-?[0-9]+$/.test(text) || Math.abs(v) > TYPED_LIMIT) {
      this.say("A cell takes a whole number from " + MINUS + TYPED_LIMIT + " to " + TYPED_LIMIT +
        ", got \u201c" + text + "\u201d; the cell keeps its number.", true);
      return false;
    }
    if (name === "x") {
      this.arrays.x[ch[0]][rc[0] - this.st.p1][rc[1] - this.st.p2] = v;
    } else if (name === "w") {
      this.arrays.w[ch[0]][ch[1]][rc[0]][rc[1]] = v;
    } else {
      this.arrays.dy[ch[0]][rc[0]][rc[1]] = v;
      this.keptDy = this.arrays.dy;
    }
    this.render();
    return true;
  };

  Explorer.prototype.cell = function (key) {
    return this.cells[key] || null;
  };

  // The cells of one term of the layer, by role, under the current mode's names.
  Explorer.prototype.termCells = function (t) {
    var st = this.st, mode = st.mode;
    var x = cellKey("x", [t.i], t.rp, t.cp);
    var wk = cellKey("w", [t.o, t.i], t.a, t.b);
    var y = cellKey("y", [t.o], t.r, t.c);
    var dyk = cellKey("dy", [t.o], t.r, t.c);
    if (mode === "forward") return { out: y, ins: [x, wk] };
    if (mode === "grad_w") return { out: cellKey("dw", [t.o, t.i], t.a, t.b), ins: [dyk, x] };
    if (t.pad) return null; // the padding's gradient is dropped
    return {
      out: cellKey("dx", [t.i], t.rp - st.p1, t.cp - st.p2),
      ins: [dyk, wk],
      extra: [cellKey("z", [t.o], st.s1 * t.r + st.d1 * (st.k1 - 1), st.s2 * t.c +
        st.d2 * (st.k2 - 1)), cellKey("f", [t.o, t.i], st.k1 - 1 - t.a, st.k2 - 1 - t.b)],
    };
  };

  Explorer.prototype.clearMarks = function () {
    var self = this;
    Object.keys(this.cells).forEach(function (key) {
      var td = self.cells[key];
      td.classList.remove("cvl-focus", "cvl-from", "cvl-feeds", "cvl-with", "cvl-under",
        "cvl-box1", "cvl-box2", "cvl-box3");
      td.querySelector(".cvl-mark").removeAttribute("data-box");
      td.setAttribute("aria-label", td.getAttribute("data-label"));
    });
  };

  // Highlight what the focused cell is computed from and what it feeds; write its sum out.
  // A cell's key from [name, channel indices..., row, column] (x by its own, unpadded indices).
  Explorer.prototype.keyOf = function (spec) {
    var name = spec[0], rc = spec.slice(-2), ch = spec.slice(1, -2);
    if (!ch.length) ch = name === "w" || name === "dw" || name === "f" ? [0, 0] : [0];
    if (name === "x") rc = [rc[0] + this.st.p1, rc[1] + this.st.p2];
    return cellKey(name, ch, rc[0], rc[1]);
  };

  // Highlight what the focused cell is computed from and what it feeds; write its sum out.
  Explorer.prototype.setFocus = function (key) {
    if (Array.isArray(key)) key = this.keyOf(key);
    var td = this.cell(key);
    if (!td || key === this.focus) return;
    this.clearMarks();
    this.focus = key;
    td.classList.add("cvl-focus");
    var name = key.split(":")[0], self = this;
    var out = MODES[this.st.mode].output;
    var involved = [];
    this.terms.forEach(function (t) {
      var cells = self.termCells(t);
      if (!cells) return;
      if (cells.out === key || cells.ins.indexOf(key) >= 0 ||
          (cells.extra && cells.extra.indexOf(key) >= 0)) {
        involved.push({ t: t, cells: cells });
      }
    });
    var mark = function (k, cls) {
      if (k !== key && self.cells[k]) self.cells[k].classList.add(cls);
    };
    if (name === out) {
      involved.forEach(function (it) {
        it.cells.ins.forEach(function (k) { mark(k, "cvl-from"); });
      });
      if (out === "dx") this.markBoxes(key, involved);
    } else {
      involved.forEach(function (it) {
        mark(it.cells.out, "cvl-feeds");
        it.cells.ins.concat(it.cells.extra || []).forEach(function (k) { mark(k, "cvl-with"); });
      });
    }
    var text = name === out ? this.sumText(key, involved) : this.feedsText(key, involved);
    this.sum.textContent = text;
  };

  // For a cell of dL/dx: the windows that hold the pixel, boxes 1 to 3 as in chapter 3, and the
  // window of the flipped filter over the padded dL/dy.
  Explorer.prototype.markBoxes = function (key, involved) {
    var st = this.st, self = this;
    var windows = [], seen = {};
    involved.forEach(function (it) {
      var wk = it.t.r + "," + it.t.c;
      if (!seen[wk]) { seen[wk] = true; windows.push([it.t.r, it.t.c]); }
    });
    windows.sort(function (p, q) { return p[0] - q[0] || p[1] - q[1]; });
    var n = windows.length, labels = {};
    if (n === 1) labels["0"] = ["only", 1];
    else if (n > 1) {
      labels["0"] = ["first", 1];
      labels[String(n - 1)] = ["last", 3];
      if (n >= 3) labels[String(Math.floor(n / 2))] = ["middle", 2];
    }
    Object.keys(labels).forEach(function (pos) {
      var win = windows[Number(pos)], label = labels[pos];
      involved.forEach(function (it) {
        if (it.t.r !== win[0] || it.t.c !== win[1]) return;
        it.cells.ins.concat(it.cells.extra).forEach(function (k) {
          var td = self.cells[k];
          if (!td) return;
          td.classList.add("cvl-box" + label[1]);
          var m = td.querySelector(".cvl-mark"), boxes = m.getAttribute("data-box") || "";
          if (boxes.indexOf(BOXES[label[0]]) < 0) boxes += BOXES[label[0]];
          m.setAttribute("data-box", boxes);
          td.setAttribute("aria-label", td.getAttribute("data-label") + ", box " + boxes);
        });
      });
    });
    // The window of the flipped filter at this pixel: a forward step over the padded dL/dy.
    var rc = key.split(":")[2].split(",").map(Number);
    var ch = Number(key.split(":")[1]);
    for (var o = 0; o < st.cout; o++)
      for (var a = 0; a < st.k1; a++)
        for (var b = 0; b < st.k2; b++) {
          var zk = cellKey("z", [o], rc[0] + st.p1 + st.d1 * a, rc[1] + st.p2 + st.d2 * b);
          if (self.cells[zk]) self.cells[zk].classList.add("cvl-under");
          var fk = cellKey("f", [o, ch], a, b);
          if (self.cells[fk]) self.cells[fk].classList.add("cvl-from");
        }
  };

  Explorer.prototype.valueOf = function (key) {
    var td = this.cells[key];
    return td ? Number(td.getAttribute("data-value")) : 0;
  };

  Explorer.prototype.shortName = function (key) {
    var p = key.split(":"), name = p[0];
    var ch = p[1].split(",").map(Number), rc = p[2].split(",").map(Number);
    if (name === "x") {
      rc = [rc[0] - this.st.p1, rc[1] - this.st.p2];
    }
    return this.cellName(name, ch, rc[0], rc[1]);
  };

  // "dL/dx[2, 3] = dL/dy[0, 1]·w[2, 2] + … = (−1)·2 + … = −8": symbols, numbers, total.
  Explorer.prototype.sumText = function (key, involved) {
    var self = this, total = this.valueOf(key);
    var symbols = [], numbers = [], padded = 0;
    involved.forEach(function (it) {
      if (self.st.mode !== "grad_x" && it.t.pad) {
        padded++;
        return;
      }
      var ins = it.cells.ins;
      symbols.push(self.shortName(ins[0]) + DOT + self.shortName(ins[1]));
      numbers.push(factor(self.valueOf(ins[0])) + DOT + factor(self.valueOf(ins[1])));
    });
    var head = this.shortName(key) + " = ";
    var text;
    if (!symbols.length) {
      text = head + "0: " + (padded ? "every term reads the padding, which is 0" :
        "no window holds this pixel, so nothing flows back to it");
    } else {
      text = head + symbols.join(" + ") + " = " + numbers.join(" + ") + " = " + fmt(total);
      if (padded) {
        text += " (" + padded + (padded === 1 ? " term reads" : " terms read") +
          " the padding, which is 0, and " + (padded === 1 ? "is" : "are") + " left out)";
      }
    }
    return text + ".";
  };

  // What an input cell feeds: "x[2, 2] = 3 feeds y[0, 1], y[0, 2] (6 cells), meeting w[...]".
  Explorer.prototype.feedsText = function (key, involved) {
    var self = this, outs = [], seen = {};
    involved.forEach(function (it) {
      var k = it.cells.out;
      if (!seen[k]) { seen[k] = true; outs.push(k); }
    });
    var head = key.split(":")[0] === "x" && this.cells[key].classList.contains("cvl-pad") ?
      "This padding cell is 0" : this.shortName(key) + " = " + fmt(this.valueOf(key));
    if (!outs.length && key.split(":")[0] === "z") {
      return head + ": an inserted zero or padding; it adds 0 to every " + NAMES.dx +
        " whose window covers it.";
    }
    if (!outs.length) {
      return head + ": no window reads it, so it feeds nothing.";
    }
    return head + " feeds " + outs.map(function (k) { return self.shortName(k); }).join(", ") +
      " (" + outs.length + (outs.length === 1 ? " cell" : " cells") + ").";
  };

  // ---- DOM ----

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, attrs[k]);
    });
    if (children !== undefined) {
      (Array.isArray(children) ? children : [children]).forEach(function (child) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      });
    }
    return node;
  }

  // The public face: the explorer, and what the tests read and set.
  convlib.explorer = function (element, options) {
    var ex = new Explorer(element, options || {});
    element.cvlExplorer = {
      set: function (settings) { ex.apply(settings); },
      focus: function (key) { ex.setFocus(key); },
      settings: function () { return Object.assign({}, ex.st); },
      noOutput: function () { return ex.noOutput; },
    };
    return element.cvlExplorer;
  };
})();
