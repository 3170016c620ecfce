"""convlib.figures.perfplots: the drawn artists match the numbers they are given, and bad input is
named."""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from convlib.figures.perfplots import (
    PASSES,
    TIE_MARGIN,
    crossing,
    plot_timings,
    plot_torch_ratios,
    ties,
)
from convlib.palette import INK

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results.json"


def sweep(name, times, H=64):
    rows = [{"k": k, "direct_ms": d, "fft_ms": f} for k, (d, f) in times.items()]
    return {"name": name, "N": 1, "C_in": 1, "C_out": 1, "H": H, "W": H, "rows": rows}


SWEEPS = [
    sweep("small", {1: (0.1, 1.0), 3: (0.8, 1.0), 5: (2.5, 1.1), 9: (8.0, 1.2)}),
    sweep("never", {1: (0.1, 1.0), 3: (0.5, 1.0)}),
]


def test_one_panel_per_sweep_with_two_labelled_lines():
    fig = plot_timings({"kernel_sweep": SWEEPS})
    assert len(fig.axes) == 2
    ax, ax_never = fig.axes
    direct, fft, cross = ax.lines
    assert [direct.get_gid(), fft.get_gid(), cross.get_gid()] == ["direct", "fft", "crossing"]
    assert direct.get_label() == "direct (convlib.conv2d)"
    assert fft.get_label() == "FFT (conv2d_fft)"
    assert list(direct.get_xdata()) == [1, 3, 5, 9]
    assert list(fft.get_ydata()) == [1.0, 1.0, 1.1, 1.2]
    assert list(cross.get_xdata()) == [5, 5] and cross.get_label() == "FFT faster from k = 5"
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None
    assert len(ax_never.lines) == 2  # the FFT never wins: no crossing line
    assert direct.get_color() == INK["orange"] and fft.get_color() == INK["blue"]


def test_choosing_sweeps_and_refusing_unknown_ones():
    fig = plot_timings({"kernel_sweep": SWEEPS}, sweeps=["never"])
    assert len(fig.axes) == 1 and fig.axes[0].get_title() == "one 64x64 channel"
    with pytest.raises(ValueError, match=r"sweeps must be among \['never', 'small'\]"):
        plot_timings({"kernel_sweep": SWEEPS}, sweeps=["large"])
    with pytest.raises(ValueError, match="results has no 'kernel_sweep'"):
        plot_timings({"passes": []})


def test_crossing_is_where_the_fft_stays_faster():
    rows = SWEEPS[0]["rows"]
    assert crossing(rows) == 5
    wins_then_loses = [dict(r) for r in rows] + [{"k": 15, "direct_ms": 1.0, "fft_ms": 2.0}]
    assert crossing(wins_then_loses) is None
    assert crossing([{"k": 1, "direct_ms": 2.0, "fft_ms": 1.0}]) == 1
    assert crossing([]) is None


def ratio_rows():
    rng = np.random.default_rng(0)
    return [
        {"shape": s, "dtype": d, "pass": p, "vs_torch": float(rng.uniform(0.3, 6))}
        for s in "ACD"
        for d in ("float64", "float32")
        for p in PASSES
    ] + [{"shape": "B", "dtype": "float64", "pass": "forward", "vs_torch": None}]


def test_bars_are_the_ratios_one_colour_per_pass():
    rows = ratio_rows()
    fig = plot_torch_ratios({"passes": rows}, shapes="CD")
    assert len(fig.axes) == 2
    for ax, dtype in zip(fig.axes, ("float64", "float32"), strict=True):
        assert [c.get_label() for c in ax.containers] == list(PASSES)
        for container, pass_ in zip(ax.containers, PASSES, strict=True):
            expected = [
                r["vs_torch"]
                for s in "CD"
                for r in rows
                if r["shape"] == s and r["dtype"] == dtype and r["pass"] == pass_
            ]
            assert [b.get_height() for b in container] == pytest.approx(expected)
            assert {b.get_gid() for b in container} == {pass_}
        colours = {c.get_label(): c.patches[0].get_facecolor() for c in ax.containers}
        assert len(set(colours.values())) == 3
        assert [t.get_text() for t in ax.get_xticklabels()] == ["shape C", "shape D"]
        (parity,) = [line for line in ax.lines if line.get_gid() == "parity"]
        assert list(parity.get_ydata()) == [1.0, 1.0]
        assert dtype in ax.get_title() and "÷" in ax.get_ylabel()


def test_default_shapes_are_those_with_torch_times_and_bad_shapes_are_named():
    fig = plot_torch_ratios({"passes": ratio_rows()})
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["shape A", "shape C", "shape D"]
    with pytest.raises(ValueError, match=r"among those timed against PyTorch, \['A', 'C', 'D'\]"):
        plot_torch_ratios({"passes": ratio_rows()}, shapes="CE")
    with pytest.raises(ValueError, match="results has no 'passes'"):
        plot_torch_ratios({"kernel_sweep": SWEEPS})


@pytest.mark.skipif(not RESULTS.exists(), reason="benchmarks/results.json not written yet")
def test_the_committed_results_can_be_drawn():
    results = json.loads(RESULTS.read_text())
    fig = plot_timings(results)
    assert len(fig.axes) == len(results["kernel_sweep"])
    for ax, sweep in zip(fig.axes, results["kernel_sweep"], strict=True):
        assert list(ax.lines[0].get_xdata()) == [r["k"] for r in sweep["rows"]]
        tied = ties(sweep["rows"])
        assert len(ax.lines) == 2 + (crossing(sweep["rows"]) is not None) + bool(tied)
        for line in ax.lines:
            if line.get_gid() == "tie":
                assert list(line.get_xdata()) == tied
    fig = plot_torch_ratios(results, shapes="CDE")
    assert sum(len(c) for ax in fig.axes for c in ax.containers) == 3 * 3 * len(fig.axes)


def test_a_close_call_is_a_tie_not_a_win():
    # k = 5: the FFT 2% faster, inside the margin; k = 9: clearly faster.
    rows = SWEEPS[0]["rows"][:2] + [
        {"k": 5, "direct_ms": 1.0, "fft_ms": 0.98},
        {"k": 9, "direct_ms": 3.0, "fft_ms": 1.0},
    ]
    assert ties(rows) == [5] and crossing(rows) == 9
    assert crossing(rows, margin=0) == 5 and ties(rows, margin=0) == []
    # A tie in the other direction (the FFT slightly slower) is a tie too.
    assert ties([{"k": 3, "direct_ms": 1.0, "fft_ms": 1.05}]) == [3]
    fig = plot_timings(
        {"kernel_sweep": [sweep("tie", {r["k"]: (r["direct_ms"], r["fft_ms"]) for r in rows})]}
    )
    (tie,) = [line for line in fig.axes[0].lines if line.get_gid() == "tie"]
    assert list(tie.get_xdata()) == [5] and list(tie.get_ydata()) == [0.98]
    assert tie.get_linestyle() == "None" and tie.get_marker() == "D"
    assert f"within {TIE_MARGIN:.0%}" in tie.get_label() and "k = 5" in tie.get_label()
    (cross,) = [line for line in fig.axes[0].lines if line.get_gid() == "crossing"]
    assert cross.get_label() == "FFT faster from k = 9"
    for bad in (-0.1, 1, "0.1"):
        with pytest.raises(ValueError, match="margin must be a number in"):
            crossing(rows, margin=bad)


def test_the_legend_lists_the_passes_in_the_order_of_the_tables():
    assert PASSES == ("forward", "dL/dw", "dL/dx")
    fig = plot_torch_ratios({"passes": ratio_rows()}, shapes="C")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["forward", "dL/dw", "dL/dx"]
