/* dom.js: the one element helper and the one table renderer of the players and the explorer. */

/** An element: el("td", {class: "cvl-hi", "data-key": key}, [node, "text"]).

    Attributes whose value is null or undefined are left out; children are nodes or text (a
    string or a number; "", null and undefined add nothing), one or an array of them. */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of [].concat(children ?? [])) {
    if (child === null || child === undefined || child === "") continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Text for screen readers only (class cvl-vh, hidden from sight by the stylesheet). */
function hiddenText(text) {
  return el("span", { class: "cvl-vh" }, text);
}

/** A table of rows x cols cells, for the players' frames and the explorer's grids alike.

    attrs      the table's attributes
    caption    the caption's children, or null for none
    headers    true: a header row of column numbers and a row number before each row, read out
               as "column 3", "row 2"
    rowAttrs   the attributes of every row of the body
    cell(r, c) returns [attrs, children] of the cell in row r, column c
    Returns {table, cells}, where cells[r][c] is that cell's <td>. */
function table({ rows, cols, attrs = {}, caption = null, headers = false, rowAttrs = {}, cell }) {
  const node = el("table", attrs);
  if (caption !== null) node.append(el("caption", {}, caption));
  if (headers) {
    const head = el("tr", {}, el("td", { class: "cvl-corner" }));
    for (let c = 0; c < cols; c++) {
      head.append(el("th", { scope: "col" }, [hiddenText("column "), String(c)]));
    }
    node.append(el("thead", {}, head));
  }
  const body = el("tbody");
  const cells = [];
  for (let r = 0; r < rows; r++) {
    const tr = el("tr", rowAttrs);
    if (headers) tr.append(el("th", { scope: "row" }, [hiddenText("row "), String(r)]));
    const line = [];
    for (let c = 0; c < cols; c++) {
      const [cellAttrs, children] = cell(r, c);
      const td = el("td", cellAttrs, children);
      tr.append(td);
      line.push(td);
    }
    body.append(tr);
    cells.push(line);
  }
  node.append(body);
  return { table: node, cells };
}
