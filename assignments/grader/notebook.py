"""A submission read as data: its notebook, and the code of its cells."""

import json
import zipfile
from pathlib import Path

MAX_NOTEBOOK_BYTES = 20 << 20


def read_notebook(path):
    """The notebook of a submission (.ipynb, or a zip holding one), parsed as JSON."""
    path = Path(path)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith(".ipynb") and "/." not in n]
            if len(names) != 1:
                raise ValueError(f"{path}: expected one .ipynb in the zip, found {names}")
            info = zf.getinfo(names[0])
            if info.file_size > MAX_NOTEBOOK_BYTES:
                raise ValueError(f"{path}: the notebook is larger than {MAX_NOTEBOOK_BYTES} bytes")
            text = zf.read(info)
    else:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise ValueError(f"{path}: larger than {MAX_NOTEBOOK_BYTES} bytes")
        text = path.read_bytes()
    nb = json.loads(text)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"{path}: not a Jupyter notebook (no list of cells)")
    return nb


def code_cells(nb):
    """The code cells as plain Python: IPython's magics become calls, as in a kernel."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        transform = TransformerManager().transform_cell
    except ImportError:  # pragma: no cover - IPython comes with otter and Jupyter
        transform = str
    cells = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        try:
            cells.append(transform(source))
        except Exception:  # a cell IPython cannot read: run it as it is (it will fail there)
            cells.append(source)
    return cells
