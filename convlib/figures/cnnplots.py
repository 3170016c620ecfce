"""Figures of the digits network (:mod:`convlib.cnn`): images, training curves, learned filters
and saliency maps.

Images are drawn in grey (dark ink on white, as the digits were written); signed arrays (filters,
gradients) on a diverging blue-white-vermillion scale centred at 0, whose lightness alone tells
the sign's strength, with a colour bar. Curves are drawn in :data:`convlib.palette.INK`. Every
figure fits the page's text column and is detached from pyplot
(:func:`convlib.figures.grids.detached_figure`).
"""

import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from ..shapes import as_array
from .grids import DPI, INK, MAX_WIDTH, OKABE_ITO, detached_figure

__all__ = ["SIGNED", "plot_digits", "plot_history", "plot_filters", "plot_saliency"]

# Negative blue, zero white, positive vermillion: the ends differ in hue and both are dark.
SIGNED = LinearSegmentedColormap.from_list(
    "signed", [OKABE_ITO["blue"], "#FFFFFF", OKABE_ITO["vermillion"]]
)


def _images(x, name):
    x = as_array(x, name)
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 3:
        raise ValueError(f"{name} must be (N, H, W) or (N, 1, H, W) images, got shape {x.shape}")
    return x


def _labels(values, n, name):
    values = np.asarray(values)
    if values.shape != (n,):
        raise ValueError(f"{name} must have one entry per image, ({n},), got {values.shape}")
    return values


def _grid_axes(fig, n, columns):
    rows = -(-n // columns)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[n:]:
        ax.set_visible(False)
    return axes[:n]


def plot_digits(x, labels, predicted=None, columns=8):
    """Images in a grid, each titled with its label (and, when wrong, the prediction).

    >>> fig = plot_digits(np.zeros((3, 1, 8, 8)), [1, 2, 3], predicted=[1, 2, 5])
    >>> [ax.get_title() for ax in fig.axes]
    ['1', '2', '3\\nread as 5']
    """
    x = _images(x, "x")
    labels = _labels(labels, len(x), "labels")
    predicted = None if predicted is None else _labels(predicted, len(x), "predicted")
    columns = min(columns, len(x))
    fig = detached_figure((_per_image(columns, 0.0), 1.3 * -(-len(x) // columns)))
    for i, ax in enumerate(_grid_axes(fig, len(x), columns)):
        ax.imshow(x[i], cmap="gray_r", vmin=0, vmax=max(1.0, x.max()))
        ax.set_title(_title(labels[i], None if predicted is None else predicted[i]), fontsize=10)
    return fig


def _per_image(columns, extra):
    """The width in inches of ``columns`` images side by side, and ``extra`` inches beside them,
    each image at most 1 inch, the whole within the page's text column."""
    return min(1.0 * columns, MAX_WIDTH / DPI - extra) + extra


def _title(label, predicted):
    return (
        f"{label}" if predicted is None or predicted == label else f"{label}\nread as {predicted}"
    )


def plot_history(history):
    """The mean training loss (log scale) and the accuracies, one point per epoch.

    ``history`` is what :func:`convlib.cnn.train` returns: lists "loss", "train_accuracy" and,
    possibly empty, "test_accuracy". Lines differ by style and marker, not by colour alone.

    >>> fig = plot_history({"loss": [1.0, 0.5], "train_accuracy": [0.5, 0.9],
    ...                     "test_accuracy": [0.4, 0.8]})
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['mean training loss', 'accuracy']
    """
    try:
        loss = as_array(history["loss"], "history['loss']")
        train = as_array(history["train_accuracy"], "history['train_accuracy']")
    except (KeyError, TypeError) as err:
        raise ValueError(
            f"history must be the dict that convlib.cnn.train returns, with 'loss' and "
            f"'train_accuracy' lists; got {type(history).__name__} ({err})"
        ) from None
    test = np.asarray(history.get("test_accuracy", []), dtype=float)
    epochs = np.arange(1, len(loss) + 1)
    fig = detached_figure((MAX_WIDTH / DPI, 3.0))
    ax_loss, ax_acc = fig.subplots(1, 2)
    ax_loss.plot(epochs, loss, "o-", color=INK["blue"])
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("mean training loss")
    ax_acc.plot(epochs, train, "o-", color=INK["blue"], label="training images")
    if test.size:
        ax_acc.plot(epochs, test, "s--", color=INK["vermillion"], label="test images")
        ax_acc.annotate(
            f"{test[-1]:.1%}", (epochs[-1], test[-1]), textcoords="offset points",
            xytext=(-4, -14), ha="right", fontsize=9,
        )  # fmt: skip
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_ylim(min(0.8, float(np.min(train))), 1.0)
    ax_acc.legend(loc="lower right")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    return fig


def plot_filters(w, columns=8):
    """Every k1 x k2 filter of a bank w of shape (C_out, 1, k1, k2), on one signed colour scale.

    >>> fig = plot_filters(np.ones((3, 1, 3, 3)))
    >>> [ax.get_title() for ax in fig.axes[:3]]
    ['w[0, 0]', 'w[1, 0]', 'w[2, 0]']
    """
    w = as_array(w, "w")
    if w.ndim != 4 or w.shape[1] != 1:
        raise ValueError(f"w must be (C_out, 1, k1, k2), one input channel, got shape {w.shape}")
    columns = min(columns, len(w))
    limit = float(np.abs(w).max()) or 1.0
    fig = detached_figure((_per_image(columns, 1.0), 1.1 * -(-len(w) // columns)))
    for o, ax in enumerate(_grid_axes(fig, len(w), columns)):
        image = ax.imshow(w[o, 0], cmap=SIGNED, vmin=-limit, vmax=limit)
        ax.set_title(f"w[{o}, 0]", fontsize=9)
    fig.colorbar(image, ax=fig.axes, shrink=0.8, label="weight")
    return fig


def plot_saliency(x, dx, labels, predicted):
    """Each image above its input gradient dL/dx, each gradient scaled to its own largest size.

    A pixel where dL/dx < 0 (blue) is one where more ink would lower the loss, that is, make the
    network surer of the right label; where dL/dx > 0 (vermillion), more ink would raise it.
    Gradients of confident right answers are tiny (softmax's p is close to the one-hot label), so
    each map is divided by its own max |dL/dx|, which its title gives.

    >>> fig = plot_saliency(np.zeros((2, 8, 8)), np.ones((2, 8, 8)), [3, 4], [3, 9])
    >>> [ax.get_title() for ax in fig.axes[:4]]
    ['3', '4\\nread as 9', 'max 1', 'max 1']
    """
    x, dx = _images(x, "x"), _images(dx, "dx")
    if dx.shape != x.shape:
        raise ValueError(f"dx must have the shape of x, {x.shape}, got {dx.shape}")
    labels = _labels(labels, len(x), "labels")
    predicted = _labels(predicted, len(x), "predicted")
    fig = detached_figure((_per_image(len(x), 1.0), 3.2))
    axes = fig.subplots(2, len(x), squeeze=False)
    for i in range(len(x)):
        top, bottom = axes[0, i], axes[1, i]
        top.imshow(x[i], cmap="gray_r", vmin=0, vmax=max(1.0, x.max()))
        top.set_title(_title(labels[i], predicted[i]), fontsize=10)
        largest = float(np.abs(dx[i]).max())
        image = bottom.imshow(dx[i] / (largest or 1.0), cmap=SIGNED, vmin=-1, vmax=1)
        bottom.set_title(f"max {largest:.1g}", fontsize=10)
        for ax in (top, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
    fig.colorbar(image, ax=axes[1].tolist(), shrink=0.9, label="dL/dx / max |dL/dx|")
    return fig
