/* numbers.js: how the explorer writes numbers, as the players' data does in Python
   (convlib.frames.minus_signs): a negative number with the minus sign U+2212, which screen
   readers read as "minus". */

const MINUS = "\u2212";

/** A whole number as text: -3 is written "−3"; never "−0". */
function fmt(v) {
  return v < 0 ? MINUS + String(-v) : String(v + 0);
}

/** fmt(v), in parentheses when negative: a factor of a written-out product. */
function factor(v) {
  return v < 0 ? `(${fmt(v)})` : fmt(v);
}
