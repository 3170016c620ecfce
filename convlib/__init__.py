"""convlib: a 2-D convolution and its gradients, written to be read beside the book.

Deep-learning convention: "convolution" means cross-correlation,
y[r, c] = sum_a sum_b x[r + a, c + b] w[a, b].

The top-level functions are vectorised NumPy (:mod:`convlib.fast`). The maths, NumPy only, sits
at the top beside them:

- :mod:`convlib.reference`: the same functions as plain loops that read like the equations;
- :mod:`convlib.gradcheck`: central differences, relative error and the adjoint test;
- :mod:`convlib.shapes`: argument checks and the output-size rule;
- :mod:`convlib.windows`: which windows hold a pixel, and both gradients one term at a time;
- :mod:`convlib.matrix`: the convolution as a matrix, vec(y) = W vec(x), and im2col;
- :mod:`convlib.fft`: the forward pass through the FFT;
- :mod:`convlib.layers` and :mod:`convlib.cnn`: the other layers of a CNN, and a small network;
- :mod:`convlib.frames` and :mod:`convlib.palette`: the animations as data, and the colours.

Three sub-packages use these and never one another; each module is imported on its own:

- :mod:`convlib.figures` (matplotlib): the book's figures, ``from convlib.figures import drawing``;
- :mod:`convlib.web` (HTML, the browser script of ``convlib/web/js/``, ipywidgets): the
  kernel-free players and explorer, and the live widgets;
- :mod:`convlib.checkers` (NumPy only): checkers for students' code that name the mistake,
  ``from convlib.checkers import check_conv2d``.
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
    "shapes",
]
__version__ = "0.1.0"


# Imported on first use, and not in __all__:
_ON_FIRST_USE = {
    # the assignment's student kit leaves the loops out (they are the answers), and the rest of
    # convlib works without them;
    "reference": "convlib.reference",
}


def __getattr__(name):
    if name in _ON_FIRST_USE:
        import importlib

        return importlib.import_module(_ON_FIRST_USE[name])
    raise AttributeError(f"module 'convlib' has no attribute {name!r}")
