"""A submission read as data: the code of its notebook's cells, as the sandbox will run it.

Only the code is read. A notebook is JSON whose saved outputs may be of any size, so the file is
scanned, not parsed: :func:`_values` walks the JSON text iteratively (no recursion, however deep
the nesting) and hands over only each cell's ``cell_type`` and ``source``, which are parsed once
their size and depth are known to be small. The code is then bounded (in all, and in how deeply
it nests) before Python's parser sees it.

IPython syntax is run as Jupyter would, as far as grading needs: ``%%time``, ``%%timeit``,
``%%capture`` and ``%time``/``%timeit`` run their code; other magics and ``!`` shell lines become
calls of ``get_ipython()``, which in the sandbox does nothing but say so (it never runs a
string). Each cell's code is parsed here, once: the rules read these trees, and the sandbox runs
exactly the source they came from, so what is checked is what runs.
"""

import ast
import json
import mmap
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_CODE_CHARS = 1 << 20  # all the code cells together
MAX_CELLS = 2000
MAX_DEPTH = 100  # of a cell's syntax tree; the notebooks of a class stay below 30
MAX_ZIPPED_NOTEBOOK = 256 << 20  # bytes of a notebook inside an exported zip, unpacked
# Cell magics whose body is Python run as it is, and line magics whose argument is.
RUNS_ITS_CODE = {"time", "timeit", "capture", "prun"}


class Unreadable(ValueError):
    """The submission is not a notebook the grader can read; the message says why."""


@dataclass(frozen=True)
class Cell:
    """A code cell as it will run: ``number`` counts every cell of the notebook from 1."""

    number: int
    source: str
    tree: ast.Module | None  # None: the cell will not run (``note`` says why)
    note: str = ""


def read_cells(path):
    """The code cells of a submission (a .ipynb, or a zip holding one), as :class:`Cell` s."""
    path = Path(path)
    if path.suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.endswith(".ipynb") and "/." not in n]
                if len(names) != 1:
                    raise Unreadable(f"expected one .ipynb in the zip, found {len(names)}")
                info = zf.getinfo(names[0])
                if info.file_size > MAX_ZIPPED_NOTEBOOK:
                    raise Unreadable(
                        f"the notebook in the zip is larger than {MAX_ZIPPED_NOTEBOOK}"
                    )
                with zf.open(info) as f:
                    data = f.read(MAX_ZIPPED_NOTEBOOK + 1)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as err:
            raise Unreadable(f"not a zip file the grader can read ({err})") from None
        if len(data) > MAX_ZIPPED_NOTEBOOK:
            raise Unreadable(f"the notebook in the zip is larger than {MAX_ZIPPED_NOTEBOOK}")
        return cells_of(data)
    with open(path, "rb") as f:
        if not f.seek(0, 2):
            raise Unreadable("the file is empty")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return cells_of(data)


def cells_of(data):
    """The code cells of a notebook's JSON text (bytes or a buffer)."""
    raw = list(_raw_cells(data))
    if len(raw) > MAX_CELLS:
        raise Unreadable(f"more than {MAX_CELLS} cells")
    cells, total = [], 0
    for number, (kind, source) in enumerate(raw, 1):
        if kind != "code":
            continue
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            cells.append(Cell(number, "", None, "its source is not text: it was not run"))
            continue
        total += len(source)
        if total > MAX_CODE_CHARS:
            raise Unreadable(f"more than {MAX_CODE_CHARS} characters of code")
        cells.append(python_cell(number, source))
    return cells


def python_cell(number, source):
    """A cell's source as the Python the sandbox runs, parsed, or the reason it will not run."""
    try:
        code = _ipython_to_python(source)
        tree = _parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        if isinstance(err, SyntaxError) and not isinstance(err, _TooDeep):
            # Run as it is: Python raises the same SyntaxError in the sandbox, as in Jupyter.
            return Cell(number, source, ast.Module(body=[], type_ignores=[]))
        what = str(err) if isinstance(err, _TooDeep) else "too deeply nested for Python's parser"
        return Cell(number, "", None, f"the grader could not read it ({what}): it was not run")
    return Cell(number, code, tree)


class _TooDeep(SyntaxError):
    pass


def _parse(code):
    """Python's tree of ``code``, refusing code nested deeper than MAX_DEPTH first."""
    # Brackets bound the parser's own recursion; then the tree's depth is measured without it.
    depth = deepest = 0
    for char in _without_strings(code):
        depth += (char in "([{") - (char in ")]}")
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise _TooDeep(f"brackets nested {deepest} deep, more than {MAX_DEPTH}")
    tree = ast.parse(code)
    todo = [(tree, 0)]
    while todo:
        node, level = todo.pop()
        if level > MAX_DEPTH:
            raise _TooDeep(f"expressions nested more than {MAX_DEPTH} deep")
        todo.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return tree


def _without_strings(code):
    return re.sub(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|#[^\n]*", "", code)


# ---------------------------------------------------------------- IPython syntax


def _ipython_to_python(source):
    from IPython.core.inputtransformer2 import TransformerManager

    transform = TransformerManager().transform_cell
    stripped = source.lstrip()
    if stripped.startswith("%%"):
        head, _, body = stripped.partition("\n")
        magic = head[2:].split()[0] if head[2:].split() else ""
        if magic in RUNS_ITS_CODE:
            # The body runs as it is; the blank line keeps its line numbers those of the cell.
            return "\n" + _line_magics_run(transform(body))
        return f"get_ipython().run_cell_magic({magic!r}, '', '')\n"
    return _line_magics_run(transform(source))


_LINE_MAGIC = re.compile(
    r"^(?P<indent>[ \t]*)get_ipython\(\)\.run_line_magic\('(?P<name>\w+)', (?P<arg>'.*'|\".*\")\)$",
    re.MULTILINE,
)


def _line_magics_run(code):
    """``%time statement`` (which IPython made a call) back to the statement itself."""

    def statement(match):
        if match["name"] not in RUNS_ITS_CODE:
            return match[0]
        argument = ast.literal_eval(match["arg"])
        words = argument.split()
        while words and words[0].startswith("-"):  # %timeit -n 10 -r 1 f()
            words = words[2:] if words[0] in ("-n", "-r") else words[1:]
        code = argument[argument.find(words[0]) :] if words else "pass"
        return match["indent"] + code if "\n" not in code else match[0]

    return _LINE_MAGIC.sub(statement, code)


# ---------------------------------------------------------------- the JSON, scanned


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_SPACE = re.compile(rb"[ \t\r\n]*")
_SCALAR = re.compile(rb"[^,\]}\s]+")
MAX_KEPT = 4 << 20  # bytes of one cell's source or type, as JSON


def _raw_cells(data):
    """(cell_type, source) of each cell, as parsed JSON values; the rest of the file skipped."""
    scan = _Scanner(data)
    scan.expect(b"{")
    found = False
    for key in scan.members():
        if key != "cells":
            scan.skip()
            continue
        found = True
        scan.expect(b"[")
        for _ in scan.items():
            scan.expect(b"{")
            cell = {}
            for field in scan.members():
                if field in ("cell_type", "source"):
                    cell[field] = scan.value()
                else:
                    scan.skip()
            yield cell.get("cell_type"), cell.get("source", "")
    if not found:
        raise Unreadable("not a Jupyter notebook (no list of cells)")


class _Scanner:
    """Just enough of a JSON reader to walk objects and arrays and skip values in place."""

    def __init__(self, data):
        self.data, self.at = data, 0

    def _space(self):
        self.at = _SPACE.match(self.data, self.at).end()

    def _peek(self):
        self._space()
        return self.data[self.at : self.at + 1]

    def expect(self, char):
        if self._peek() != char:
            raise Unreadable(f"not a Jupyter notebook (expected {char.decode()} at byte {self.at})")
        self.at += 1

    def _string(self):
        match = _STRING.match(self.data, self.at)
        if not match:
            raise Unreadable(f"not a Jupyter notebook (bad string at byte {self.at})")
        self.at = match.end()
        return match[0]

    def members(self):
        """The keys of the object whose "{" was just read; the caller reads each value."""
        if self._peek() == b"}":
            self.at += 1
            return
        while True:
            self._space()
            key = json.loads(self._string()) if self._peek() == b'"' else self.expect(b'"')
            self.expect(b":")
            yield key
            if self._peek() == b",":
                self.at += 1
                continue
            self.expect(b"}")
            return

    def items(self):
        """Once per element of the array whose "[" was just read; the caller reads each."""
        if self._peek() == b"]":
            self.at += 1
            return
        while True:
            yield
            if self._peek() == b",":
                self.at += 1
                continue
            self.expect(b"]")
            return

    def skip(self):
        """Move past one value, however large or deeply nested (no recursion); its depth."""
        depth = deepest = 0
        while True:
            char = self._peek()
            if char == b'"':
                self._string()
            elif char in (b"{", b"["):
                depth += 1
                deepest = max(deepest, depth)
                self.at += 1
            elif char in (b"}", b"]"):
                depth -= 1
                self.at += 1
            elif char in (b",", b":"):
                self.at += 1
            elif char:
                match = _SCALAR.match(self.data, self.at)
                self.at = match.end()
            else:
                raise Unreadable("not a Jupyter notebook (the file ends too early)")
            if depth <= 0 and self._peek() in (b",", b"}", b"]", b""):
                if depth < 0:
                    raise Unreadable("not a Jupyter notebook (unbalanced brackets)")
                return deepest

    def value(self):
        """One small value, parsed: a string or a list of strings (a cell's source)."""
        start = self.at
        deepest = self.skip()
        text = bytes(self.data[start : self.at])
        if len(text) > MAX_KEPT or deepest > 1:
            return None  # not text: the cell is reported, not run
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            return None
