/* explorer.js: the explorer of one convolution layer that convlib.web.explorer.explorer() writes.

   The reader picks the sizes, stride, padding, dilation, channels and numbers and sees, cell by
   cell, where y, dL/dw and dL/dx come from; the page computes them (arithmetic.js). What the
   controls accept and the modes' names come from Python with the options (convlib/explorer.py:
   LIMITS, TYPED_LIMIT, MODES, RANGES), so they are defined once. */

/* global el, table, MINUS, fmt, factor, build, at, shapes, terms, compute */

const DOT = "\u00b7";
const BOXES = { first: "\u2460", middle: "\u2461", last: "\u2462", only: "\u2460=\u2462" };
const NAMES = {
  x: "x",
  w: "w",
  y: "y",
  dy: "\u2202L/\u2202y",
  dw: "\u2202L/\u2202w",
  dx: "\u2202L/\u2202x",
  z: "z",
  f: "flip(w)",
};
let serial = 0;

/** A small integer for entry idx of array name, drawn from range [lo, hi]: the same for a seed
    whatever the sizes, so that growing a grid keeps the numbers already there. */
function seeded(seed, name, idx, [lo, hi]) {
  let h = (2166136261 ^ seed) >>> 0;
  const key = `${name}:${idx.join(",")}`;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 2246822507) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 3266489909) >>> 0;
  h ^= h >>> 16;
  return lo + ((h >>> 0) % (hi - lo + 1));
}

/** Why these sizes make no output, in words, or "" when they make one. */
function whyNoOutput(st) {
  const axes = [
    ["rows", "H", "k1", "p1", "d1"],
    ["columns", "W", "k2", "p2", "d2"],
  ];
  const reasons = [];
  for (const [axis, nName, kName, pName, dName] of axes) {
    const [n, k, p, d] = [st[nName], st[kName], st[pName], st[dName]];
    const span = d * (k - 1) + 1;
    const room = n + 2 * p;
    if (span > room) {
      reasons.push(
        `the kernel spans ${span} ${axis} (${dName}${DOT}(${kName} ${MINUS} 1) + 1 with ` +
          `${kName} = ${k}, ${dName} = ${d}) but the padded input has only ${room} ` +
          `(${nName} + 2${DOT}${pName} with ${nName} = ${n}, ${pName} = ${p})`,
      );
    }
  }
  if (!reasons.length) return "";
  return (
    `No output: ${reasons.join("; and ")}. No window fits, so y, \u2202L/\u2202y and both ` +
    "gradients are empty. Make the input larger, the padding larger, or the kernel or the " +
    "dilation smaller."
  );
}

function channelWords(name, ch) {
  if (ch.length === 2) return `, output channel ${ch[0]}, input channel ${ch[1]}`;
  if (name === "x" || name === "dx") return `, input channel ${ch[0]}`;
  return `, output channel ${ch[0]}`;
}

function cellKey(name, ch, r, c) {
  return `${name}:${ch.join(",")}:${r},${c}`;
}

function clamp(v, lo, hi) {
  return Math.max(lo, Math.min(hi, v));
}

function moveGridFocus(node, r, c) {
  const target = node.rows[r].cells[c];
  for (const td of node.querySelectorAll("td[tabindex='0']")) td.setAttribute("tabindex", "-1");
  target.setAttribute("tabindex", "0");
  target.focus();
}

/** A rows x cols ARIA grid named label; cell(r, c) gives {key, value, name, pad, editable}.
    Arrow keys, Home, End, PageUp and PageDown move a roving tabindex: one Tab stop per grid. */
function ariaGrid(rows, cols, label, cell) {
  const { table: node } = table({
    rows,
    cols,
    attrs: { role: "grid", class: "cvl-grid", "aria-label": label },
    rowAttrs: { role: "row" },
    cell: (r, c) => {
      const info = cell(r, c);
      const said = `${info.name} = ${fmt(info.value)}`;
      const classes = [info.pad && "cvl-pad", info.editable && "cvl-edit"].filter(Boolean);
      const attrs = {
        role: "gridcell",
        tabindex: r === 0 && c === 0 ? "0" : "-1",
        class: classes.length ? classes.join(" ") : null,
        "data-key": info.key,
        "data-row": r,
        "data-col": c,
        "data-value": info.value,
        "aria-label": said,
        "data-label": said,
        "aria-readonly": info.editable ? "false" : "true",
      };
      const children = [
        el("span", { class: "cvl-v", "aria-hidden": "true" }, fmt(info.value)),
        el("span", { class: "cvl-mark", "aria-hidden": "true" }),
      ];
      return [attrs, children];
    },
  });
  node.addEventListener("focusin", (event) => {
    const td = event.target.closest && event.target.closest("td");
    if (!td || td.getAttribute("tabindex") === "0") return;
    for (const other of node.querySelectorAll("td[tabindex='0']")) {
      other.setAttribute("tabindex", "-1");
    }
    td.setAttribute("tabindex", "0");
  });
  node.addEventListener("keydown", (event) => {
    const td = event.target.closest && event.target.closest("td");
    if (!td || event.target.tagName === "INPUT") return;
    const r = Number(td.getAttribute("data-row"));
    const c = Number(td.getAttribute("data-col"));
    const moves = {
      ArrowUp: [r - 1, c],
      ArrowDown: [r + 1, c],
      ArrowLeft: [r, c - 1],
      ArrowRight: [r, c + 1],
      Home: [r, 0],
      End: [r, cols - 1],
      PageUp: [0, c],
      PageDown: [rows - 1, c],
    };
    const to = moves[event.key];
    if (!to) return;
    event.preventDefault();
    moveGridFocus(node, clamp(to[0], 0, rows - 1), clamp(to[1], 0, cols - 1));
  });
  return node;
}

class Explorer {
  constructor(root, options) {
    this.root = root;
    this.id = root.id || `cvl-explorer-${++serial}`;
    this.title = options.title || "Explorer";
    this.presets = options.presets || {};
    this.limits = options.limits;
    this.typedLimit = options.typedLimit;
    this.modes = options.modes;
    this.ranges = options.ranges;
    this.sizeKeys = Object.keys(this.limits);
    this.st = { mode: Object.keys(this.modes)[0], seed: 0 };
    for (const key of this.sizeKeys) this.st[key] = this.limits[key][0];
    this.arrays = { x: null, w: null, dy: null };
    this.focus = null;
    this.skeleton();
    this.apply(options.settings || {});
    if (options.focus) this.setFocus(options.focus);
  }

  apply(settings) {
    const st = this.st;
    if (settings.preset !== undefined && this.presets[settings.preset]) {
      const preset = this.presets[settings.preset];
      this.apply({ ...preset.settings, ...settings, preset: undefined });
      if (preset.focus && !settings.focus) this.setFocus(preset.focus);
      this.presetSelect.value = settings.preset;
      return;
    }
    if (settings.mode !== undefined) {
      if (!this.modes[settings.mode]) {
        const known = Object.keys(this.modes).join(", ");
        throw new Error(`mode must be one of ${known}, got ${settings.mode}`);
      }
      st.mode = settings.mode;
    }
    for (const key of this.sizeKeys) {
      if (settings[key] === undefined) continue;
      const v = Number(settings[key]);
      const [lo, hi] = this.limits[key];
      if (!Number.isInteger(v) || v < lo || v > hi) {
        throw new Error(`${key} must be an integer from ${lo} to ${hi}, got ${settings[key]}`);
      }
      st[key] = v;
    }
    this.presetSelect.value = "";
    let fresh = false;
    if (settings.seed !== undefined) {
      st.seed = Number(settings.seed) >>> 0;
      fresh = true;
    }
    const sh = shapes(st);
    for (const name of ["x", "w", "dy"]) {
      const given = settings[name];
      const old = fresh ? null : this.arrays[name];
      const empty = sh[name][1] < 1 || sh[name][2] < 1;
      this.arrays[name] = empty
        ? null
        : build(sh[name], (idx) => {
            const v = given !== undefined ? at(given, idx) : old ? at(old, idx) : undefined;
            return v === undefined ? seeded(st.seed, name, idx, this.ranges[name]) : v;
          });
    }
    // dL/dy keeps its numbers while a size leaves no output, and gets them back after.
    if (!this.arrays.dy) {
      this.arrays.dy = this.keptDy || null;
    } else {
      this.keptDy = this.arrays.dy;
    }
    this.render();
  }

  skeleton() {
    const { root, id } = this;
    root.classList.add("cvl-explorer");
    root.setAttribute("role", "group");
    root.setAttribute("aria-labelledby", `${id}-title`);
    root.replaceChildren(el("p", { class: "cvl-x-title", id: `${id}-title` }, this.title));
    const controls = el("div", { class: "cvl-x-controls" });
    root.append(controls);

    const modes = el("fieldset", { class: "cvl-x-modes" }, el("legend", {}, "Show"));
    this.modeInputs = {};
    for (const [mode, { label }] of Object.entries(this.modes)) {
      const input = el("input", { type: "radio", name: `${id}-mode`, value: mode });
      input.addEventListener("change", () => {
        if (input.checked) this.user({ mode });
      });
      this.modeInputs[mode] = input;
      modes.append(el("label", {}, [input, ` ${label}`]));
    }
    controls.append(modes);

    const sizesLegend = el("legend", {}, "Sizes (rows, columns)");
    const sizes = el("fieldset", { class: "cvl-x-sizes" }, sizesLegend);
    this.sizeInputs = {};
    const rows = [
      ["input H, W", "H", "W", "input height H", "input width W"],
      ["kernel k1, k2", "k1", "k2", "kernel height k1", "kernel width k2"],
      ["stride s1, s2", "s1", "s2", "stride along rows s1", "stride along columns s2"],
      ["padding p1, p2", "p1", "p2", "padding of rows p1", "padding of columns p2"],
      ["dilation d1, d2", "d1", "d2", "dilation along rows d1", "dilation along columns d2"],
      ["channels in, out", "cin", "cout", "input channels C_in", "output channels C_out"],
    ];
    for (const [shown, ...keysAndNames] of rows) {
      const line = el("div", { class: "cvl-x-pair" });
      line.append(el("span", { class: "cvl-x-pair-name", "aria-hidden": "true" }, shown));
      for (const j of [0, 1]) {
        const key = keysAndNames[j];
        const name = keysAndNames[j + 2];
        const [lo, hi] = this.limits[key];
        const input = el("input", {
          type: "number",
          min: lo,
          max: hi,
          step: 1,
          "data-setting": key,
          "aria-label": name,
          inputmode: "numeric",
        });
        input.addEventListener("change", () => {
          const v = Number(input.value);
          if (!Number.isInteger(v) || v < lo || v > hi) {
            const stays = `it stays ${this.st[key]}.`;
            this.say(`${name} must be a whole number from ${lo} to ${hi}; ${stays}`, true);
            input.value = this.st[key];
            return;
          }
          this.user({ [key]: v });
        });
        this.sizeInputs[key] = input;
        line.append(input);
      }
      sizes.append(line);
    }
    controls.append(sizes);

    const numbers = el("fieldset", { class: "cvl-x-numbers" }, el("legend", {}, "Numbers"));
    const seed = el("input", {
      type: "number",
      min: 0,
      step: 1,
      id: `${id}-seed`,
      "data-setting": "seed",
      inputmode: "numeric",
    });
    seed.addEventListener("change", () => {
      const v = Number(seed.value);
      if (!Number.isInteger(v) || v < 0) {
        this.say(`The seed must be a whole number from 0; it stays ${this.st.seed}.`, true);
        seed.value = this.st.seed;
        return;
      }
      this.user({ seed: v });
    });
    this.seedInput = seed;
    const again = el("button", { type: "button", "data-act": "reseed" }, "new numbers");
    again.addEventListener("click", () => this.user({ seed: this.st.seed + 1 }));
    const select = el("select", { id: `${id}-preset`, "data-setting": "preset" });
    select.append(el("option", { value: "" }, "(choose)"));
    for (const [name, preset] of Object.entries(this.presets)) {
      select.append(el("option", { value: name }, preset.label || name));
    }
    select.addEventListener("change", () => {
      if (select.value) this.user({ preset: select.value });
    });
    this.presetSelect = select;
    numbers.append(
      el("label", { for: `${id}-seed` }, "random integers, seed "),
      seed,
      again,
      el("label", { for: `${id}-preset` }, " or an example "),
      select,
      el(
        "p",
        { class: "cvl-x-hint" },
        `Type a whole number into any cell of x, w or ${NAMES.dy} (or press Enter there) to ` +
          "change it. Arrow keys move inside a grid, Tab moves to the next grid.",
      ),
    );
    controls.append(numbers);

    this.message = el("p", { class: "cvl-x-message", role: "status" });
    this.grids = el("div", { class: "cvl-x-grids" });
    const swatch = (cls, text) =>
      el("span", { class: "cvl-x-key" }, [
        el("span", { class: `cvl-swatch ${cls}`, "aria-hidden": "true" }),
        ` ${text}`,
      ]);
    const legend = el("p", { class: "cvl-x-legend" }, [
      "Around the focused cell (thick frame): ",
      swatch("cvl-from", "solid: computed from;"),
      swatch("cvl-feeds", "dashed: feeds;"),
      swatch("cvl-with", "dotted: multiplied with;"),
      ` \u2460 \u2461 \u2462: the first, middle and last window that holds a pixel of ${NAMES.dx}.`,
    ]);
    this.sum = el("div", { class: "cvl-x-sum", "aria-live": "polite" });
    root.append(this.message, this.grids, legend, this.sum);
  }

  // A change made by the reader: apply it, keep the focus, and announce any error.
  user(change) {
    const focus = change.preset === undefined ? this.focus : null; // a preset brings its own
    this.apply(change);
    if (focus && this.cell(focus)) this.setFocus(focus);
  }

  say(text, isError) {
    this.message.textContent = text;
    this.message.classList.toggle("cvl-x-error", Boolean(isError));
  }

  // The grids of the current mode: array name, channels, rows and columns, and each value.
  panels(st, sh, res) {
    const a = this.arrays;
    const range = (n) => [...Array(n).keys()];
    const chOut = range(st.cout).map((o) => [o]);
    const chIn = range(st.cin).map((i) => [i]);
    const chPairs = range(st.cout).flatMap((o) => range(st.cin).map((i) => [o, i]));
    const xPadded = {
      name: "x",
      title: st.p1 || st.p2 ? "x, zero-padded" : "x",
      channels: chIn,
      editable: true,
      rows: st.H + 2 * st.p1,
      cols: st.W + 2 * st.p2,
      offset: [st.p1, st.p2],
      value: ([i], r, c) => a.x[i][r][c],
    };
    const wPanel = {
      name: "w",
      title: "w",
      channels: chPairs,
      editable: true,
      rows: st.k1,
      cols: st.k2,
      value: ([o, i], r, c) => a.w[o][i][r][c],
    };
    const dyPanel = {
      name: "dy",
      title: NAMES.dy,
      channels: chOut,
      editable: true,
      rows: sh.N1,
      cols: sh.N2,
      value: ([o], r, c) => a.dy[o][r][c],
    };
    if (st.mode === "forward") {
      if (!res) return [xPadded, wPanel];
      const y = {
        name: "y",
        title: "y = x \u22c6 w",
        channels: chOut,
        rows: sh.N1,
        cols: sh.N2,
        value: ([o], r, c) => res.y[o][r][c],
      };
      return [xPadded, wPanel, y];
    }
    if (st.mode === "grad_w") {
      if (!res) return [xPadded];
      const dw = {
        name: "dw",
        title: `${NAMES.dw} = x \u22c6 ${NAMES.dy}`,
        channels: chPairs,
        rows: st.k1,
        cols: st.k2,
        value: ([o, i], r, c) => res.dw[o][i][r][c],
      };
      return [xPadded, dyPanel, dw];
    }
    if (!res) return [wPanel];
    const inserted = st.s1 > 1 || st.s2 > 1;
    const z = {
      name: "z",
      title: `z: ${NAMES.dy}${inserted ? " with zeros inserted, padded" : ", padded"}`,
      channels: chOut,
      rows: res.z[0].length,
      cols: res.z[0][0].length,
      value: ([o], r, c) => res.z[o][r][c],
    };
    const f = {
      name: "f",
      title: NAMES.f,
      channels: chPairs,
      rows: st.k1,
      cols: st.k2,
      value: ([o, i], r, c) => res.f[o][i][r][c],
    };
    const dx = {
      name: "dx",
      title: NAMES.dx,
      channels: chIn,
      rows: st.H,
      cols: st.W,
      value: ([i], r, c) => res.dx[i][r][c],
    };
    return [dyPanel, wPanel, z, f, dx];
  }

  render() {
    const st = this.st;
    const sh = shapes(st);
    this.modeInputs[st.mode].checked = true;
    for (const key of this.sizeKeys) this.sizeInputs[key].value = st[key];
    this.seedInput.value = st.seed;
    const why = whyNoOutput(st);
    this.noOutput = why;
    this.say(why, false);
    this.result = why ? null : compute(st, this.arrays);
    this.terms = why ? [] : terms(st, sh.N1, sh.N2);
    this.cells = {};
    this.multi = st.cin > 1 || st.cout > 1;
    this.grids.replaceChildren(...this.panels(st, sh, this.result).map((p) => this.drawPanel(p)));
    this.focus = null;
    this.sum.textContent = why ? "" : "Focus or hover a cell to see where it comes from.";
  }

  // One array as a figure of labelled grids, one per channel.
  drawPanel(panel) {
    const figure = el("div", { class: "cvl-x-panel", "data-array": panel.name });
    figure.append(el("p", { class: "cvl-x-panel-title" }, panel.title));
    for (const ch of panel.channels) {
      const words = this.multi ? channelWords(panel.name, ch) : "";
      const wrap = el("div", { class: "cvl-x-grid-wrap" });
      if (this.multi) wrap.append(el("p", { class: "cvl-x-channel" }, words.replace(/^, /, "")));
      const node = ariaGrid(panel.rows, panel.cols, panel.title + words, (r, c) => {
        let [ar, ac, inside] = [r, c, true];
        if (panel.offset) {
          ar = r - panel.offset[0];
          ac = c - panel.offset[1];
          inside = ar >= 0 && ar < this.st.H && ac >= 0 && ac < this.st.W;
        }
        return {
          key: cellKey(panel.name, ch, r, c),
          value: inside ? panel.value(ch, ar, ac) : 0,
          name: inside
            ? this.cellName(panel.name, ch, ar, ac)
            : `padding, row ${r}, column ${c} of x padded`,
          pad: !inside,
          editable: Boolean(panel.editable) && inside,
        };
      });
      node.setAttribute("data-array", panel.name);
      node.setAttribute("data-channel", ch.join(","));
      for (const td of node.querySelectorAll("td")) this.cells[td.getAttribute("data-key")] = td;
      this.wire(node, panel);
      wrap.append(node);
      figure.append(wrap);
    }
    return figure;
  }

  cellName(name, ch, r, c) {
    return `${NAMES[name]}[${[...(this.multi ? ch : []), r, c].join(", ")}]`;
  }

  wire(node, panel) {
    node.addEventListener("focusin", (event) => {
      const td = event.target.closest("td");
      if (td && event.target.tagName !== "INPUT") this.setFocus(td.getAttribute("data-key"));
    });
    node.addEventListener("mouseover", (event) => {
      const td = event.target.closest("td");
      if (td && !this.editing) this.setFocus(td.getAttribute("data-key"));
    });
    if (!panel.editable) return;
    node.addEventListener("keydown", (event) => {
      const td = event.target.closest("td");
      if (!td || !td.classList.contains("cvl-edit") || event.target.tagName === "INPUT") return;
      if (event.key === "Enter" || event.key === "F2") {
        event.preventDefault();
        this.edit(td, "");
      } else if (/^[0-9-]$/.test(event.key) && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        this.edit(td, event.key);
      }
    });
    node.addEventListener("dblclick", (event) => {
      const td = event.target.closest("td.cvl-edit");
      if (td) this.edit(td, "");
    });
  }

  // Edit one input cell in place: Enter keeps the number, Escape cancels.
  edit(td, start) {
    const key = td.getAttribute("data-key");
    const input = el("input", {
      type: "text",
      inputmode: "numeric",
      class: "cvl-x-input",
      "aria-label": `new value of ${td.getAttribute("aria-label").split(" = ")[0]}`,
    });
    input.value = start || td.getAttribute("data-value");
    let done = false;
    this.editing = true;
    td.append(input);
    input.focus();
    if (!start) input.select();
    const finish = (keep) => {
      if (done) return;
      done = true;
      this.editing = false;
      const text = input.value.trim().replace(MINUS, "-");
      input.remove();
      if (keep && text !== "" && text !== td.getAttribute("data-value")) {
        if (!this.setValue(key, text)) {
          const back = this.cells[key];
          if (back) back.focus();
          return;
        }
      }
      const cell = this.cells[key];
      if (cell) {
        this.setFocus(key);
        cell.focus();
      }
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        finish(true);
      } else if (event.key === "Escape") {
        event.preventDefault();
        finish(false);
      }
    });
    input.addEventListener("blur", () => finish(true));
  }

  // Set an entry of x, w or dL/dy from typed text; false (and a message) if it is not a number.
  setValue(key, text) {
    const [name, chText, rcText] = key.split(":");
    const ch = chText.split(",").map(Number);
    const rc = rcText.split(",").map(Number);
    const v = Number(text);
    const limit = this.typedLimit;
    if (!/^-?[0-9]+$/.test(text) || Math.abs(v) > limit) {
      this.say(
        `A cell takes a whole number from ${fmt(-limit)} to ${fmt(limit)}, ` +
          `got \u201c${text}\u201d; the cell keeps its number.`,
        true,
      );
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
  }

  cell(key) {
    return this.cells[key] || null;
  }

  // The cells of one term of the layer, by role, under the current mode's names.
  termCells(t) {
    const st = this.st;
    const x = cellKey("x", [t.i], t.rp, t.cp);
    const wk = cellKey("w", [t.o, t.i], t.a, t.b);
    const y = cellKey("y", [t.o], t.r, t.c);
    const dyk = cellKey("dy", [t.o], t.r, t.c);
    if (st.mode === "forward") return { out: y, ins: [x, wk] };
    if (st.mode === "grad_w") return { out: cellKey("dw", [t.o, t.i], t.a, t.b), ins: [dyk, x] };
    if (t.pad) return null; // the padding's gradient is dropped
    return {
      out: cellKey("dx", [t.i], t.rp - st.p1, t.cp - st.p2),
      ins: [dyk, wk],
      extra: [
        cellKey("z", [t.o], st.s1 * t.r + st.d1 * (st.k1 - 1), st.s2 * t.c + st.d2 * (st.k2 - 1)),
        cellKey("f", [t.o, t.i], st.k1 - 1 - t.a, st.k2 - 1 - t.b),
      ],
    };
  }

  clearMarks() {
    for (const td of Object.values(this.cells)) {
      td.classList.remove(
        "cvl-focus",
        "cvl-from",
        "cvl-feeds",
        "cvl-with",
        "cvl-under",
        "cvl-box1",
        "cvl-box2",
        "cvl-box3",
      );
      td.querySelector(".cvl-mark").removeAttribute("data-box");
      td.setAttribute("aria-label", td.getAttribute("data-label"));
    }
  }

  // A cell's key from [name, channel indices..., row, column] (x by its own, unpadded indices).
  keyOf(spec) {
    const name = spec[0];
    let rc = spec.slice(-2);
    let ch = spec.slice(1, -2);
    if (!ch.length) ch = name === "w" || name === "dw" || name === "f" ? [0, 0] : [0];
    if (name === "x") rc = [rc[0] + this.st.p1, rc[1] + this.st.p2];
    return cellKey(name, ch, rc[0], rc[1]);
  }

  // Highlight what the focused cell is computed from and what it feeds; write its sum out.
  setFocus(spec) {
    const key = Array.isArray(spec) ? this.keyOf(spec) : spec;
    const td = this.cell(key);
    if (!td || key === this.focus) return;
    this.clearMarks();
    this.focus = key;
    td.classList.add("cvl-focus");
    const name = key.split(":")[0];
    const out = this.modes[this.st.mode].output;
    const involved = [];
    for (const t of this.terms) {
      const cells = this.termCells(t);
      if (!cells) continue;
      if (cells.out === key || cells.ins.includes(key) || (cells.extra || []).includes(key)) {
        involved.push({ t, cells });
      }
    }
    const mark = (k, cls) => {
      if (k !== key && this.cells[k]) this.cells[k].classList.add(cls);
    };
    if (name === out) {
      for (const { cells } of involved) for (const k of cells.ins) mark(k, "cvl-from");
      if (out === "dx") this.markBoxes(key, involved);
    } else {
      for (const { cells } of involved) {
        mark(cells.out, "cvl-feeds");
        for (const k of [...cells.ins, ...(cells.extra || [])]) mark(k, "cvl-with");
      }
    }
    const said = name === out ? this.sumText(key, involved) : this.feedsText(key, involved);
    this.sum.textContent = said;
  }

  // For a cell of dL/dx: the windows that hold the pixel, boxes 1 to 3 as in chapter 3, and the
  // window of the flipped filter over the padded dL/dy.
  markBoxes(key, involved) {
    const st = this.st;
    const seen = new Set();
    const windows = [];
    for (const { t } of involved) {
      if (!seen.has(`${t.r},${t.c}`)) {
        seen.add(`${t.r},${t.c}`);
        windows.push([t.r, t.c]);
      }
    }
    windows.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    const n = windows.length;
    const labels = new Map();
    if (n === 1) labels.set(0, ["only", 1]);
    if (n > 1) {
      labels.set(0, ["first", 1]);
      labels.set(n - 1, ["last", 3]);
      if (n >= 3) labels.set(Math.floor(n / 2), ["middle", 2]);
    }
    for (const [pos, [which, box]] of labels) {
      const [wr, wc] = windows[pos];
      for (const { t, cells } of involved) {
        if (t.r !== wr || t.c !== wc) continue;
        for (const k of [...cells.ins, ...cells.extra]) {
          const td = this.cells[k];
          if (!td) continue;
          td.classList.add(`cvl-box${box}`);
          const m = td.querySelector(".cvl-mark");
          let boxes = m.getAttribute("data-box") || "";
          if (!boxes.includes(BOXES[which])) boxes += BOXES[which];
          m.setAttribute("data-box", boxes);
          td.setAttribute("aria-label", `${td.getAttribute("data-label")}, box ${boxes}`);
        }
      }
    }
    // The window of the flipped filter at this pixel: a forward step over the padded dL/dy.
    const [, chText, rcText] = key.split(":");
    const [r, c] = rcText.split(",").map(Number);
    const ch = Number(chText);
    for (let o = 0; o < st.cout; o++) {
      for (let a = 0; a < st.k1; a++) {
        for (let b = 0; b < st.k2; b++) {
          const zk = cellKey("z", [o], r + st.p1 + st.d1 * a, c + st.p2 + st.d2 * b);
          if (this.cells[zk]) this.cells[zk].classList.add("cvl-under");
          const fk = cellKey("f", [o, ch], a, b);
          if (this.cells[fk]) this.cells[fk].classList.add("cvl-from");
        }
      }
    }
  }

  valueOf(key) {
    const td = this.cells[key];
    return td ? Number(td.getAttribute("data-value")) : 0;
  }

  shortName(key) {
    const [name, chText, rcText] = key.split(":");
    const ch = chText.split(",").map(Number);
    let rc = rcText.split(",").map(Number);
    if (name === "x") rc = [rc[0] - this.st.p1, rc[1] - this.st.p2];
    return this.cellName(name, ch, rc[0], rc[1]);
  }

  // "dL/dx[2, 3] = dL/dy[0, 1]·w[2, 2] + … = (−1)·2 + … = −8": symbols, numbers, total.
  sumText(key, involved) {
    const total = this.valueOf(key);
    const symbols = [];
    const numbers = [];
    let padded = 0;
    for (const { t, cells } of involved) {
      if (this.st.mode !== "grad_x" && t.pad) {
        padded++;
        continue;
      }
      const [u, v] = cells.ins;
      symbols.push(this.shortName(u) + DOT + this.shortName(v));
      numbers.push(factor(this.valueOf(u)) + DOT + factor(this.valueOf(v)));
    }
    const head = `${this.shortName(key)} = `;
    if (!symbols.length) {
      const why = padded
        ? "every term reads the padding, which is 0"
        : "no window holds this pixel, so nothing flows back to it";
      return `${head}0: ${why}.`;
    }
    let text = `${head}${symbols.join(" + ")} = ${numbers.join(" + ")} = ${fmt(total)}`;
    if (padded) {
      const one = padded === 1;
      text +=
        ` (${padded}${one ? " term reads" : " terms read"} the padding, which is 0, and ` +
        `${one ? "is" : "are"} left out)`;
    }
    return `${text}.`;
  }

  // What an input cell feeds: "x[2, 2] = 3 feeds y[0, 1], y[0, 2] (2 cells)".
  feedsText(key, involved) {
    const outs = [...new Set(involved.map(({ cells }) => cells.out))];
    const name = key.split(":")[0];
    const head =
      name === "x" && this.cells[key].classList.contains("cvl-pad")
        ? "This padding cell is 0"
        : `${this.shortName(key)} = ${fmt(this.valueOf(key))}`;
    if (!outs.length && name === "z") {
      return (
        `${head}: an inserted zero or padding; it adds 0 to every ${NAMES.dx} whose window ` +
        "covers it."
      );
    }
    if (!outs.length) return `${head}: no window reads it, so it feeds nothing.`;
    const cells = outs.length === 1 ? "cell" : "cells";
    const names = outs.map((k) => this.shortName(k)).join(", ");
    return `${head} feeds ${names} (${outs.length} ${cells}).`;
  }
}

/** Builds an explorer inside element from options {title, settings, focus, presets, limits,
    typedLimit, modes, ranges} (convlib/explorer.py writes them); element.cvlExplorer is what
    the tests read and set. */
function explorer(element, options = {}) {
  const ex = new Explorer(element, options);
  element.cvlExplorer = {
    set: (settings) => ex.apply(settings),
    focus: (key) => ex.setFocus(key),
    settings: () => ({ ...ex.st }),
    noOutput: () => ex.noOutput,
  };
  return element.cvlExplorer;
}

convlib.explorer = explorer;
