/* arithmetic.js: the explorer's arithmetic, with convlib's definitions (cross-correlation, zero
   padding, dilation as the spacing between taps). Pure functions of numbers and nested arrays,
   with no page: tests/js runs them under node against convlib.

   st, the settings: {H, W, k1, k2, s1, s2, p1, p2, d1, d2, cin, cout} (sizes, stride, padding
   and dilation along rows and columns, channels in and out). */

/** The output length along one axis, as convlib.output_size: at most 0 when no window fits. */
function outputSize(n, k, s, p, d) {
  return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/** Nested arrays of the given shape; fill(idx) gives the entry at index list idx. */
function build(shape, fill, prefix = []) {
  const out = [];
  for (let i = 0; i < shape[0]; i++) {
    const idx = [...prefix, i];
    out.push(shape.length === 1 ? fill(idx) : build(shape.slice(1), fill, idx));
  }
  return out;
}

/** The entry of nested arrays at index list idx, or undefined where there is none. */
function at(array, idx) {
  let v = array;
  for (const i of idx) {
    if (!v || i >= v.length) return undefined;
    v = v[i];
  }
  return v;
}

/** The shapes of x (C_in, H, W), w (C_out, C_in, k1, k2) and dL/dy (C_out, N1, N2). */
function shapes(st) {
  const N1 = outputSize(st.H, st.k1, st.s1, st.p1, st.d1);
  const N2 = outputSize(st.W, st.k2, st.s2, st.p2, st.d2);
  const x = [st.cin, st.H, st.W];
  return { x, w: [st.cout, st.cin, st.k1, st.k2], dy: [st.cout, N1, N2], N1, N2 };
}

/** Every term of the layer: window (r, c) of output channel o, tap (a, b) of input channel i,
    reading the padded input at (rp, cp) = (s1 r + d1 a, s2 c + d2 b); pad is true when that
    cell is padding. */
function terms(st, N1, N2) {
  const out = [];
  for (let o = 0; o < st.cout; o++) {
    for (let i = 0; i < st.cin; i++) {
      for (let r = 0; r < N1; r++) {
        for (let c = 0; c < N2; c++) {
          for (let a = 0; a < st.k1; a++) {
            for (let b = 0; b < st.k2; b++) {
              const rp = st.s1 * r + st.d1 * a;
              const cp = st.s2 * c + st.d2 * b;
              const pad = rp < st.p1 || rp >= st.p1 + st.H || cp < st.p2 || cp >= st.p2 + st.W;
              out.push({ o, i, r, c, a, b, rp, cp, pad });
            }
          }
        }
      }
    }
  }
  return out;
}

/** y, dL/dw and dL/dx from x, w and dL/dy (arrays of the shapes above), with z, dL/dy with
    zeros inserted by the stride and padded by the dilated kernel's span, and f, w flipped. */
function compute(st, { x, w, dy }) {
  const { N1, N2, ...sh } = shapes(st);
  const zero = () => 0;
  const y = build([st.cout, N1, N2], zero);
  const dw = build(sh.w, zero);
  const dx = build(sh.x, zero);
  for (const t of terms(st, N1, N2)) {
    const xv = t.pad ? 0 : x[t.i][t.rp - st.p1][t.cp - st.p2];
    y[t.o][t.r][t.c] += xv * w[t.o][t.i][t.a][t.b];
    dw[t.o][t.i][t.a][t.b] += dy[t.o][t.r][t.c] * xv;
    if (!t.pad) dx[t.i][t.rp - st.p1][t.cp - st.p2] += dy[t.o][t.r][t.c] * w[t.o][t.i][t.a][t.b];
  }
  const span1 = st.d1 * (st.k1 - 1);
  const span2 = st.d2 * (st.k2 - 1);
  const z = build(
    [st.cout, st.s1 * (N1 - 1) + 1 + 2 * span1, st.s2 * (N2 - 1) + 1 + 2 * span2],
    zero,
  );
  for (let o = 0; o < st.cout; o++) {
    for (let r = 0; r < N1; r++) {
      for (let c = 0; c < N2; c++) z[o][st.s1 * r + span1][st.s2 * c + span2] = dy[o][r][c];
    }
  }
  const f = build(sh.w, ([o, i, a, b]) => w[o][i][st.k1 - 1 - a][st.k2 - 1 - b]);
  return { y, dw, dx, z, f };
}
