// The explorer's arithmetic and numbers (convlib/web/js/arithmetic.js, numbers.js) against
// convlib: tests/unit/test_arithmetic_js.py writes the settings and convlib's results to the JSON
// file named by CONVLIB_JS_SWEEP, then runs `node --test tests/js/`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const SCRIPTS = new URL("../../convlib/web/js/", import.meta.url);

// The page's files run as they do in the page, as plain scripts sharing one scope (here a fresh
// context with no document); the names asked for are read back from that scope.
function load(files, names) {
  const context = vm.createContext({});
  for (const file of files) {
    vm.runInContext(readFileSync(new URL(file, SCRIPTS), "utf8"), context, { filename: file });
  }
  return vm.runInContext(`({ ${names.join(", ")} })`, context);
}

// Arrays made in that context, as arrays of this one (deepEqual compares their prototypes too).
const plain = (value) => JSON.parse(JSON.stringify(value));

const { outputSize, shapes, terms, compute } = load(
  ["numbers.js", "arithmetic.js"],
  ["outputSize", "shapes", "terms", "compute"],
);
const { fmt, factor } = load(["numbers.js"], ["fmt", "factor"]);

const path = process.env.CONVLIB_JS_SWEEP;
if (!path) {
  throw new Error("CONVLIB_JS_SWEEP names no file: run tests/unit/test_arithmetic_js.py (or make test)");
}
const { cases, numbers } = JSON.parse(readFileSync(path, "utf8"));
const withOutput = cases.filter((c) => c.y !== undefined);
const where = (c) => JSON.stringify(c.settings);

test("the sweep is not trivial", () => {
  assert.ok(cases.length >= 200, `${cases.length} settings`);
  assert.ok(withOutput.length >= 150 && withOutput.length < cases.length);
});

test("output sizes are convlib's, with and without a window that fits", () => {
  for (const c of cases) {
    const st = c.settings;
    assert.equal(outputSize(st.H, st.k1, st.s1, st.p1, st.d1), c.N1, where(c));
    assert.equal(outputSize(st.W, st.k2, st.s2, st.p2, st.d2), c.N2, where(c));
    const sh = shapes(st);
    assert.deepEqual([sh.N1, sh.N2], [c.N1, c.N2], where(c));
    assert.deepEqual(plain(sh.dy), [st.cout, c.N1, c.N2], where(c));
  }
});

test("each window reads the input cells convlib's gradient finds, at the same taps", () => {
  for (const c of withOutput) {
    const st = c.settings;
    const all = terms(st, c.N1, c.N2);
    assert.equal(all.length, st.cout * st.cin * c.N1 * c.N2 * st.k1 * st.k2, where(c));
    const byWindow = new Map();
    for (const t of all) {
      if (t.o !== 0 || t.i !== 0) continue;
      const key = `${t.r},${t.c}`;
      if (!byWindow.has(key)) byWindow.set(key, { read: [], padding: 0 });
      const window = byWindow.get(key);
      const inside =
        t.rp >= st.p1 && t.rp < st.p1 + st.H && t.cp >= st.p2 && t.cp < st.p2 + st.W;
      assert.equal(t.pad, !inside, where(c));
      if (t.pad) window.padding++;
      else window.read.push([t.rp - st.p1, t.cp - st.p2, t.a, t.b]);
    }
    for (const [r, col, cells] of c.reads) {
      const window = byWindow.get(`${r},${col}`);
      const sorted = window.read.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
      assert.deepEqual(sorted, cells, `${where(c)} window ${r}, ${col}`);
      assert.equal(window.padding + cells.length, st.k1 * st.k2);
    }
  }
});

test("y, both gradients, the padded dL/dy and flip(w) are convlib's", () => {
  for (const c of withOutput) {
    const got = plain(compute(c.settings, { x: c.x, w: c.w, dy: c.dy }));
    for (const name of ["y", "dw", "dx", "z", "f"]) {
      assert.deepEqual(got[name], c[name], `${name} for ${where(c)}`);
    }
  }
});

test("every mode meets its output in every pair of channel counts", () => {
  const outputs = { forward: "y", grad_w: "dw", grad_x: "dx" };
  const seen = new Set();
  for (const c of withOutput) {
    const { mode, cin, cout } = c.settings;
    const got = plain(compute(c.settings, { x: c.x, w: c.w, dy: c.dy }));
    assert.deepEqual(got[outputs[mode]], c[outputs[mode]], where(c));
    seen.add(`${mode} ${cin} ${cout}`);
  }
  assert.equal(seen.size, 3 * 3 * 3, [...seen].join("; "));
});

test("numbers are written as the players write them: the minus sign, never -0", () => {
  assert.ok(numbers.length > 200);
  for (const [v, text, asFactor] of numbers) {
    assert.equal(fmt(v), text, String(v));
    assert.equal(factor(v), asFactor, String(v));
  }
  assert.equal(fmt(-0), "0");
  assert.equal(fmt(-3), "\u22123");
});
