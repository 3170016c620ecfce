"""Figures of the digits network (:mod:`convlib.cnn`): images, training curves, learned filters
and saliency maps.

Images are drawn in grey (dark ink on white, as the digits were written); signed arrays (filters,
gradients) on a diverging blue-white-vermillion scale centred at 0, whose lightness alone tells
the sign's strength, with a colour bar. Every figure is detached from pyplot
(:func:`convlib.grids.detached_figure`).
"""

import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from .grids import OKABE_ITO, detached_figure
from .shapes import as_array

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
    """Images in a grid, each titled with its label (and the prediction, marked when wrong).

    >>> fig = plot_digits(np.zeros((3, 1, 8, 8)), [1, 2, 3], predicted=[1, 2, 5])
    >>> [ax.get_title() for ax in fig.axes]
    ['1', '2', '3, read 5 (wrong)']
    """
    x = _images(x, "x")
    labels = _labels(labels, len(x), "labels")
    predicted = None if predicted is None else _labels(predicted, len(x), "predicted")
    columns = min(columns, len(x))
    fig = detached_figure((1.1 * columns, 1.35 * -(-len(x) // columns)))
    for i, ax in enumerate(_grid_axes(fig, len(x), columns)):
        ax.imshow(x[i], cmap="gray_r", vmin=0, vmax=max(1.0, x.max()))
        title = f"{labels[i]}"
        if predicted is not None and predicted[i] != labels[i]:
            title += f", read {predicted[i]} (wrong)"
        ax.set_title(title, fontsize=9)
    return fig


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
    fig = detached_figure((9, 3.2))
    ax_loss, ax_acc = fig.subplots(1, 2)
    ax_loss.plot(epochs, loss, "o-", color=OKABE_ITO["blue"])
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("mean training loss")
    ax_acc.plot(epochs, train, "o-", color=OKABE_ITO["blue"], label="training images")
    if test.size:
        ax_acc.plot(epochs, test, "s--", color=OKABE_ITO["vermillion"], label="test images")
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
    fig = detached_figure((1.15 * columns + 0.8, 1.3 * -(-len(w) // columns)))
    for o, ax in enumerate(_grid_axes(fig, len(w), columns)):
        image = ax.imshow(w[o, 0], cmap=SIGNED, vmin=-limit, vmax=limit)
        ax.set_title(f"w[{o}, 0]", fontsize=9)
    fig.colorbar(image, ax=fig.axes, shrink=0.8, label="weight")
    return fig


def plot_saliency(x, dx, labels, predicted):
    """Each image above its input gradient dL/dx, on a signed scale shared by all gradients.

    A pixel where dL/dx < 0 (blue) is one where more ink would lower the loss, that is, make the
    network surer of the right label; where dL/dx > 0 (vermillion), more ink would raise it.

    >>> fig = plot_saliency(np.zeros((2, 8, 8)), np.ones((2, 8, 8)), [3, 4], [3, 9])
    >>> [ax.get_title() for ax in fig.axes[:4]]
    ['3', '4, read 9 (wrong)', 'dL/dx', 'dL/dx']
    """
    x, dx = _images(x, "x"), _images(dx, "dx")
    if dx.shape != x.shape:
        raise ValueError(f"dx must have the shape of x, {x.shape}, got {dx.shape}")
    labels = _labels(labels, len(x), "labels")
    predicted = _labels(predicted, len(x), "predicted")
    limit = float(np.abs(dx).max()) or 1.0
    fig = detached_figure((1.3 * len(x) + 0.8, 3.0))
    axes = fig.subplots(2, len(x), squeeze=False)
    for i in range(len(x)):
        top, bottom = axes[0, i], axes[1, i]
        top.imshow(x[i], cmap="gray_r", vmin=0, vmax=max(1.0, x.max()))
        wrong = f", read {predicted[i]} (wrong)" if predicted[i] != labels[i] else ""
        top.set_title(f"{labels[i]}{wrong}", fontsize=9)
        image = bottom.imshow(dx[i], cmap=SIGNED, vmin=-limit, vmax=limit)
        bottom.set_title("dL/dx", fontsize=9)
        for ax in (top, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
    fig.colorbar(image, ax=axes[1].tolist(), shrink=0.9, label="dL/dx")
    return fig
