"""convlib: a 2-D convolution and its gradients, written to be read beside the book.

Deep-learning convention: "convolution" means cross-correlation,
y[r, c] = sum_a sum_b x[r + a, c + b] w[a, b].

The top-level functions are vectorised NumPy; :mod:`convlib.reference` holds the same functions
as plain loops that read like the equations; :mod:`convlib.gradcheck` checks gradients numerically.
"""

from . import gradcheck, reference, shapes
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
