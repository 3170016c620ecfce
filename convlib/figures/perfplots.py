"""Figures of measured timings, read from the JSON that ``benchmarks/bench_conv.py --json`` writes.

``results`` is the parsed JSON: a dict with ``"kernel_sweep"`` (a list of sweeps, each with a
``"name"``, its sizes and ``"rows"`` of ``{"k", "direct_ms", "fft_ms"}``) and ``"passes"`` (rows
of ``{"shape", "dtype", "pass", "vs_torch"}``, the time of convlib divided by PyTorch's). Colours
are Okabe and Ito's hues in their darker :data:`convlib.palette.INK` shades, and the panels stand
one under the other, the width of the page's text column; every figure is detached from pyplot
(:func:`convlib.figures.grids.detached_figure`).
"""

import numpy as np

from .grids import DPI, INK, MAX_WIDTH, MIN_FONT, detached_figure

__all__ = ["PASSES", "TIE_MARGIN", "crossing", "ties", "plot_timings", "plot_torch_ratios"]

# In the order of the chapter's tables: forward, then the weight gradient, then the input gradient.
PASSES = ("forward", "dL/dw", "dL/dx")
# Two times closer than this, relative to the slower one, are a tie: the run's own probes of the
# matrix product, the same call repeated, spread by about 12% (benchmarks/results.json).
TIE_MARGIN = 0.1
PASS_COLOURS = {
    "forward": INK["blue"],
    "dL/dx": INK["vermillion"],
    "dL/dw": INK["bluish green"],
}
# method: (key in a sweep row, legend label, colour, marker, line style)
METHODS = {
    "direct": ("direct_ms", "direct (convlib.conv2d)", INK["orange"], "o", "-"),
    "fft": ("fft_ms", "FFT (conv2d_fft)", INK["blue"], "s", "--"),
}


def _get(mapping, key, what):
    if not isinstance(mapping, dict) or key not in mapping or mapping[key] is None:
        raise ValueError(
            f"{what} has no {key!r}: pass the dict read from the JSON that "
            f"'bench_conv.py --json PATH' writes"
        )
    return mapping[key]


def _check_margin(margin):
    if not (isinstance(margin, (int, float)) and 0 <= margin < 1):
        raise ValueError(f"margin must be a number in [0, 1), got {margin!r}")


def crossing(rows, margin=TIE_MARGIN):
    """The smallest kernel size k from which the FFT is clearly faster at every larger k, or None.

    Clearly: its time is below ``1 - margin`` times the direct method's. A closer call is a tie
    (:func:`ties`), which does not count as a win.

    >>> crossing([{"k": 1, "direct_ms": 1, "fft_ms": 5}, {"k": 3, "direct_ms": 6, "fft_ms": 5}])
    3
    >>> crossing([{"k": 3, "direct_ms": 5.0, "fft_ms": 4.9}, {"k": 5, "direct_ms": 9, "fft_ms": 5}])
    5
    """
    _check_margin(margin)
    first = None
    for row in reversed(rows):
        if not row["fft_ms"] < (1 - margin) * row["direct_ms"]:
            break
        first = row["k"]
    return first


def ties(rows, margin=TIE_MARGIN):
    """The kernel sizes at which the two methods' times differ by less than ``margin`` of the
    slower one: too close to call on a shared machine.

    >>> ties([{"k": 3, "direct_ms": 5.0, "fft_ms": 4.9}, {"k": 5, "direct_ms": 9, "fft_ms": 5}])
    [3]
    """
    _check_margin(margin)
    return [
        row["k"]
        for row in rows
        if abs(row["fft_ms"] - row["direct_ms"]) < margin * max(row["fft_ms"], row["direct_ms"])
    ]


def _describe(sweep):
    size = f"{sweep['H']}x{sweep['W']}"
    if sweep["C_in"] == 1 and sweep["C_out"] == 1 and sweep["N"] == 1:
        return f"one {size} channel"
    return f"N={sweep['N']}, C_in={sweep['C_in']}, C_out={sweep['C_out']}, {size}"


def plot_timings(results, sweeps=None):
    """Time per call against kernel size, direct against FFT, on log-log axes.

    Parameters
    ----------
    results : dict
        The benchmark's JSON, read with ``json.load``.
    sweeps : list of str, optional
        Names of the sweeps to draw, one panel each; all of them by default.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per sweep, each with two lines (gids "direct" and "fft"); where the FFT
        becomes clearly faster, a dotted vertical line at that kernel size (gid "crossing"); and
        where the two tie (:func:`ties`), a hollow black diamond on the FFT's point (gid "tie").

    Examples
    --------
    >>> rows = [{"k": k, "direct_ms": k * k / 9, "fft_ms": 2.0} for k in (1, 3, 5, 9)]
    >>> sweep = {"name": "demo", "N": 1, "C_in": 1, "C_out": 1, "H": 64, "W": 64, "rows": rows}
    >>> fig = plot_timings({"kernel_sweep": [sweep]})
    >>> [line.get_gid() for line in fig.axes[0].lines]
    ['direct', 'fft', 'crossing']
    """
    available = {s["name"]: s for s in _get(results, "kernel_sweep", "results")}
    names = list(available) if sweeps is None else list(sweeps)
    unknown = [n for n in names if n not in available]
    if unknown or not names:
        raise ValueError(f"sweeps must be among {sorted(available)}, got {names!r}")
    fig = detached_figure((MAX_WIDTH / DPI, 3.4 * len(names)))
    axes = fig.subplots(len(names), 1, squeeze=False)[:, 0]
    for ax, name in zip(axes, names, strict=True):
        sweep = available[name]
        k = [r["k"] for r in sweep["rows"]]
        for gid, (key, label, colour, marker, style) in METHODS.items():
            times = [r[key] for r in sweep["rows"]]
            ax.plot(k, times, marker=marker, linestyle=style, color=colour, label=label, gid=gid)
        k_cross = crossing(sweep["rows"])
        if k_cross is not None:
            label = f"FFT faster from k = {k_cross}"
            ax.axvline(k_cross, color=INK["grey"], linestyle=":", label=label, gid="crossing")
        tied = ties(sweep["rows"])
        if tied:
            times = [r["fft_ms"] for r in sweep["rows"] if r["k"] in tied]
            label = f"tie (within {TIE_MARGIN:.0%}) at k = {', '.join(map(str, tied))}"
            ax.plot(
                tied,
                times,
                linestyle="none",
                marker="D",
                markersize=11,
                markeredgewidth=1.5,
                markerfacecolor="none",
                color="black",
                label=label,
                gid="tie",
            )
        ax.set(xscale="log", yscale="log", title=_describe(sweep))
        ax.set(xlabel="kernel size k (a k x k filter)", ylabel="time per call (ms)")
        ax.set_xticks(k, labels=[str(v) for v in k])
        ax.minorticks_off()
        ax.legend(fontsize=MIN_FONT)
    return fig


def plot_torch_ratios(results, shapes=None):
    """Bars of convlib's time divided by PyTorch's, per pass and shape, one panel per dtype.

    Parameters
    ----------
    results : dict
        The benchmark's JSON, read with ``json.load``.
    shapes : str or list of str, optional
        The shapes to show, e.g. ``"CDE"``; by default every shape with a PyTorch time.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per dtype. Each pass is one bar container labelled with the pass's name, whose
        bars (gid the pass) have the ratios as heights, in the order of ``shapes``; a grey
        horizontal line (gid "parity") marks 1, where both take the same time.

    Examples
    --------
    >>> rows = [{"shape": "C", "dtype": "float64", "pass": p, "vs_torch": v}
    ...         for p, v in zip(PASSES, (0.8, 2.5, 0.9))]
    >>> fig = plot_torch_ratios({"passes": rows})
    >>> [float(b.get_height()) for b in fig.axes[0].patches]
    [0.8, 2.5, 0.9]
    """
    rows = [r for r in _get(results, "passes", "results") if r.get("vs_torch") is not None]
    if shapes is None:
        shapes = list(dict.fromkeys(r["shape"] for r in rows))
    shapes = list(shapes)
    ratios = {(r["shape"], r["dtype"], r["pass"]): r["vs_torch"] for r in rows}
    dtypes = [d for d in ("float64", "float32") if any(key[1] == d for key in ratios)]
    missing = [s for s in shapes if not any(key[0] == s for key in ratios)]
    if missing or not shapes or not dtypes:
        have = sorted({key[0] for key in ratios})
        raise ValueError(f"shapes must be among those timed against PyTorch, {have}, got {shapes}")
    fig = detached_figure((MAX_WIDTH / DPI, 3.2 * len(dtypes)))
    axes = fig.subplots(len(dtypes), 1, squeeze=False, sharey=True)[:, 0]
    width = 0.8 / len(PASSES)
    for ax, dtype in zip(axes, dtypes, strict=True):
        for j, pass_ in enumerate(PASSES):
            heights = [ratios.get((s, dtype, pass_), np.nan) for s in shapes]
            positions = np.arange(len(shapes)) + (j - (len(PASSES) - 1) / 2) * width
            bars = ax.bar(positions, heights, width, color=PASS_COLOURS[pass_], label=pass_)
            for bar in bars:
                bar.set_gid(pass_)
            ax.bar_label(bars, fmt="%.1f", fontsize=MIN_FONT, padding=1)
        ax.axhline(1.0, color=INK["grey"], linewidth=1, gid="parity")
        ax.set_xticks(range(len(shapes)), labels=[f"shape {s}" for s in shapes])
        ax.set(title=f"{dtype}: convlib against PyTorch {dtype}", xlabel="layer")
        ax.set_ylabel("convlib time ÷ PyTorch time")
        ax.legend(fontsize=MIN_FONT, title="pass", title_fontsize=MIN_FONT)
    return fig
