"""Checking gradients numerically: central differences, relative error and the adjoint test.

The book follows every derived formula with one of these checks; the tests use them too.
Everything here works in float64, where the checks can be tight.
"""

import numpy as np

from .fast import conv2d, conv2d_grad_w, conv2d_grad_x

__all__ = [
    "numerical_gradient",
    "relative_error",
    "check_gradient",
    "adjoint_gaps",
    "check_adjoint",
]


def numerical_gradient(f, x, eps=1e-6):
    """Central differences: g[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), for each entry i.

    Parameters
    ----------
    f : callable
        Takes an array of the shape of ``x`` and returns a scalar.
    x : array_like
        The point at which to differentiate. It is not modified: ``f`` sees a float64 copy.
    eps : float
        The step. The error is O(eps^2) from truncation (zero when ``f`` is linear, as a loss
        <y, dy> is in x and in w) plus O(machine epsilon / eps) from round-off.

    Returns
    -------
    ndarray of float64, the shape of ``x``

    Examples
    --------
    >>> numerical_gradient(lambda v: np.sum(v ** 2), np.array([1.0, -2.0])).round(6)
    array([ 2., -4.])
    """
    if not eps > 0:
        raise ValueError(f"eps must be a positive step, got {eps!r}")
    x = np.array(x, dtype=np.float64)  # a copy: the caller's array is never touched
    g = np.empty_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        f_plus = float(f(x))
        x[i] = saved - eps
        f_minus = float(f(x))
        x[i] = saved
        g[i] = (f_plus - f_minus) / (2 * eps)
    return g


def relative_error(a, b):
    """max |a - b| / max(max |a|, max |b|): 0 for equal arrays, about 1e-16 for float64 round-off.

    Returns 0.0 when both arrays are all zeros.

    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.5]))
    0.2
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)


def check_gradient(f, x, grad, *, eps=1e-6, rtol=1e-7, name="gradient"):
    """Assert that ``grad`` is the gradient of ``f`` at ``x``, by central differences.

    Raises ``AssertionError`` naming the worst entry and both values if the relative error
    exceeds ``rtol``; returns the relative error otherwise.

    >>> f = lambda v: np.sum(v ** 2)
    >>> check_gradient(f, np.array([1.0, -2.0]), np.array([2.0, -4.0])) < 1e-8
    True
    """
    grad = np.asarray(grad, dtype=np.float64)
    numerical = numerical_gradient(f, x, eps)
    if grad.shape != numerical.shape:
        raise AssertionError(
            f"{name} has shape {grad.shape}, but the variable has shape {numerical.shape}"
        )
    error = relative_error(grad, numerical)
    if not error <= rtol:  # also catches NaN
        worst = np.unravel_index(np.argmax(np.abs(grad - numerical)), grad.shape)
        raise AssertionError(
            f"{name} is wrong: relative error {error:.3g} > {rtol:.1g}; worst at index "
            f"{tuple(int(i) for i in worst)}: analytic {grad[worst]:.10g}, "
            f"central differences {numerical[worst]:.10g}"
        )
    return error


def adjoint_gaps(x, w, dy, **params):
    """How far the adjoint identity is from holding, relative to the size of its terms.

    For the loss L = <y, dy> with y = conv2d(x, w), both gradients must satisfy

        <conv2d(x, w), dy> = <x, conv2d_grad_x(dy, w)> = <w, conv2d_grad_w(x, dy)>

    because y is linear in x and in w (Euler's identity for a function that is homogeneous of
    degree 1). Returns the two gaps |<y, dy> - <x, dx>| and |<y, dy> - <w, dw>|, each divided
    by the largest Cauchy-Schwarz bound ||y|| ||dy||, ||x|| ||dx||, ||w|| ||dw|| (so they are
    about 1e-16 for correct float64 gradients, whatever the sign or size of the products).
    ``params`` are the stride, padding and dilation, passed to all three functions.
    """
    x, w, dy = (np.asarray(v, dtype=np.float64) for v in (x, w, dy))
    y = conv2d(x, w, **params)
    dx = conv2d_grad_x(dy, w, x.shape, **params)
    dw = conv2d_grad_w(x, dy, w.shape, **params)
    norm = np.linalg.norm
    scale = max(norm(y) * norm(dy), norm(x) * norm(dx), norm(w) * norm(dw))
    if scale == 0:
        return 0.0, 0.0
    lhs = np.vdot(y, dy)
    return float(abs(lhs - np.vdot(x, dx)) / scale), float(abs(lhs - np.vdot(w, dw)) / scale)


def check_adjoint(x, w, dy, *, rtol=1e-12, **params):
    """Assert the adjoint identity (see :func:`adjoint_gaps`); return the two gaps."""
    gap_x, gap_w = adjoint_gaps(x, w, dy, **params)
    if not (gap_x <= rtol and gap_w <= rtol):
        raise AssertionError(
            f"adjoint identity fails: <y, dy> vs <x, dL/dx> gap {gap_x:.3g}, <y, dy> vs <w, dL/dw> "
            f"gap {gap_w:.3g} (tolerance {rtol:.1g})"
        )
    return gap_x, gap_w
