"""convlib: a 2-D convolution and its gradients, written to be read beside the book.

Deep-learning convention: "convolution" means cross-correlation,
y[r, c] = sum_a sum_b x[r + a, c + b] w[a, b].

The top-level functions are vectorised NumPy (:mod:`convlib.fast`). Beside them:

- :mod:`convlib.reference`: the same functions as plain loops that read like the equations;
- :mod:`convlib.gradcheck`: central differences, relative error and the adjoint test;
- :mod:`convlib.shapes`: argument checks and the output-size rule;
- :mod:`convlib.windows`: which windows hold a pixel, and both gradients one term at a time;
- :mod:`convlib.matrix`: the convolution as a matrix, vec(y) = W vec(x), and im2col;
- :mod:`convlib.fft`: the forward pass through the FFT; :mod:`convlib.perfplots`: timing plots;
- :mod:`convlib.exercises`: checkers for students' code that name the mistake;
- :mod:`convlib.frames`, :mod:`convlib.svg`, :mod:`convlib.player`, :mod:`convlib.widgets`: the
  animations, as data, as SVG, as a kernel-free player (drawn by the script of ``convlib/web/``)
  and as live widgets;
- :mod:`convlib.explorer`: one layer, forward and backward, for any sizes, explored in the page
  (drawn by the same script);
- :mod:`convlib.drawing` (with :mod:`convlib.grids`): the book's figures. It needs matplotlib and
  is imported on its own: ``from convlib import drawing``.
"""

from . import gradcheck, shapes
from .fast import conv2d, conv2d_grad_w, conv2d_grad_x, flip
from .shapes import output_size

__all__ = [
    "conv2d",
    "conv2d_grad_w",
    "conv2d_grad_x",
    "flip",
    "output_size",
    "gradcheck",
    "reference",
    "shapes",
]
__version__ = "0.1.0"


def __getattr__(name):
    # convlib.reference is imported on first use: the assignment's student kit leaves it out
    # (its loops are the answers), and the rest of convlib works without it.
    if name == "reference":
        import importlib

        return importlib.import_module(f"{__name__}.reference")
    raise AttributeError(f"module 'convlib' has no attribute {name!r}")
