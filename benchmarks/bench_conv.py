"""Time convlib's forward pass and both gradients, side by side with PyTorch's CPU convolution.

Run with ``make benchmark`` (or ``python benchmarks/bench_conv.py --help``). PyTorch is optional:
without it only convlib and NumPy's matrix-multiply probe are timed. On the project's machines
``pip install torch==2.13.0`` installs a CPU build from a local file.

Method (the machines are shared and noisy): every implementation is timed in this one process,
one block at a time, with a 0.3 s pause before each block (OpenBLAS's and PyTorch's threads keep
spinning after a call and would slow the next library down). A block warms up, then takes
``--samples`` samples, each the mean of enough calls to last 20 ms; its time is the median
sample. The whole set of blocks is repeated ``--rounds`` times and the lowest round median is
kept, because bursts on the host slow whole blocks by 2-5x. Only ratios measured in the same run
mean anything: compare rows of one table, never tables of different runs.
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import convlib  # noqa: E402  (the repository's convlib, even when not installed)

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None

PAUSE = 0.3
MIN_SAMPLE = 0.02


@dataclass(frozen=True)
class Shape:
    name: str
    N: int
    C_in: int
    C_out: int
    H: int
    W: int
    k: int
    stride: int
    padding: int
    single_channel: bool = False

    @property
    def out(self):
        return convlib.output_size(self.H, self.k, self.stride, self.padding)

    @property
    def flops(self):
        return 2 * self.N * self.C_out * self.C_in * self.k**2 * self.out**2

    def describe(self):
        if self.single_channel:
            return f"{self.H}x{self.W} image, {self.k}x{self.k} kernel, single channel (2-D arrays)"
        extra = f", stride {self.stride}" if self.stride > 1 else ""
        return (
            f"N={self.N}, C_in={self.C_in}, C_out={self.C_out}, {self.H}x{self.W}, "
            f"{self.k}x{self.k}, padding {self.padding}{extra}"
        )


SHAPES = {
    "A": Shape("A", 1, 1, 1, 34, 34, 3, 1, 0, single_channel=True),
    "B": Shape("B", 1, 1, 1, 258, 258, 3, 1, 0, single_channel=True),
    "C": Shape("C", 32, 16, 32, 32, 32, 3, 1, 1),
    "D": Shape("D", 8, 64, 64, 56, 56, 3, 1, 1),
    "E": Shape("E", 8, 64, 128, 56, 56, 3, 2, 1),
}
REFERENCE_SHAPES = {"A"}  # the loops take seconds per call beyond these


def time_block(fn, samples):
    """Median over samples of the mean time of one call, after a pause and a warm-up."""
    time.sleep(PAUSE)
    start, calls = time.perf_counter(), 0
    while calls < 2 or time.perf_counter() - start < 0.1:
        fn()
        calls += 1
    per_call = (time.perf_counter() - start) / calls
    repeat = max(1, int(np.ceil(MIN_SAMPLE / per_call)))
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(repeat):
            fn()
        times.append((time.perf_counter() - t0) / repeat)
    return statistics.median(times)


def matmul_probe(dtype, samples):
    """GFLOP/s of NumPy's own 1024^3 matrix product: the ceiling for any GEMM-based conv."""
    a = np.random.default_rng(0).standard_normal((1024, 1024)).astype(dtype)
    return 2 * 1024**3 / time_block(lambda: a @ a, samples) / 1e9


def make_calls(shape, dtype, rng):
    """{(library, pass): zero-argument callable}, each checked against float64 first."""
    if shape.single_channel:
        x = rng.standard_normal((shape.H, shape.W))
        w = rng.standard_normal((shape.k, shape.k))
    else:
        x = rng.standard_normal((shape.N, shape.C_in, shape.H, shape.W))
        w = rng.standard_normal((shape.C_out, shape.C_in, shape.k, shape.k))
    params = {"stride": shape.stride, "padding": shape.padding}
    y64 = convlib.conv2d(x, w, **params)
    dy = rng.standard_normal(y64.shape)
    expected = {
        "forward": y64,
        "dL/dx": convlib.conv2d_grad_x(dy, w, x.shape, **params),
        "dL/dw": convlib.conv2d_grad_w(x, dy, w.shape, **params),
    }
    x, w, dy = (v.astype(dtype) for v in (x, w, dy))
    calls = {
        ("convlib", "forward"): lambda: convlib.conv2d(x, w, **params),
        ("convlib", "dL/dx"): lambda: convlib.conv2d_grad_x(dy, w, x.shape, **params),
        ("convlib", "dL/dw"): lambda: convlib.conv2d_grad_w(x, dy, w.shape, **params),
    }
    if shape.name in REFERENCE_SHAPES and dtype == np.float64:
        ref = convlib.reference
        calls[("reference", "forward")] = lambda: ref.conv2d(x, w, **params)
        calls[("reference", "dL/dx")] = lambda: ref.conv2d_grad_x(dy, w, x.shape, **params)
        calls[("reference", "dL/dw")] = lambda: ref.conv2d_grad_w(x, dy, w.shape, **params)
    if torch is not None:
        as4d = (lambda v: v) if not shape.single_channel else (lambda v: v[None, None])
        tx, tw, tdy = (torch.from_numpy(np.ascontiguousarray(as4d(v))) for v in (x, w, dy))
        x4_shape, w4_shape = tuple(tx.shape), tuple(tw.shape)
        calls[("torch", "forward")] = lambda: F.conv2d(tx, tw, **params)
        calls[("torch", "dL/dx")] = lambda: torch.nn.grad.conv2d_input(x4_shape, tw, tdy, **params)
        calls[("torch", "dL/dw")] = lambda: torch.nn.grad.conv2d_weight(tx, w4_shape, tdy, **params)
    tolerance = 1e-12 if dtype == np.float64 else 1e-4
    for (library, pass_), call in calls.items():
        result = call()
        result = (
            result.numpy() if torch is not None and isinstance(result, torch.Tensor) else result
        )
        error = convlib.gradcheck.relative_error(
            np.reshape(result, expected[pass_].shape), expected[pass_]
        )
        if not error < tolerance:
            raise AssertionError(f"{library} {pass_} on {shape.name}: relative error {error:.2g}")
    return calls


def run(shape_names, dtypes, rounds, samples):
    rng = np.random.default_rng(0)
    rows = []
    for name in shape_names:
        shape = SHAPES[name]
        for dtype in dtypes:
            calls = make_calls(shape, dtype, rng)
            best = {}
            peaks = []
            for _ in range(rounds):
                peaks.append(matmul_probe(dtype, samples))
                for key, call in calls.items():
                    best[key] = min(best.get(key, np.inf), time_block(call, samples))
            peak = max(peaks)
            for pass_ in ("forward", "dL/dx", "dL/dw"):
                t = best[("convlib", pass_)]
                gflops = shape.flops / t / 1e9
                rows.append(
                    {
                        "shape": name,
                        "dtype": np.dtype(dtype).name,
                        "pass": pass_,
                        "convlib_ms": 1e3 * t,
                        "gflops": gflops,
                        "of_matmul": gflops / peak,
                        "vs_torch": t / best[("torch", pass_)]
                        if ("torch", pass_) in best
                        else None,
                        "reference_x": best[("reference", pass_)] / t
                        if ("reference", pass_) in best
                        else None,
                    }
                )
            print(
                f"  measured {name} {np.dtype(dtype).name} (matmul probe {peak:.0f} GF/s)",
                file=sys.stderr,
            )
    return rows


def markdown(rows):
    def fmt(value, spec):
        return "–" if value is None else format(value, spec)

    lines = [
        "| shape | dtype | pass | convlib ms | GF/s | % of matmul | convlib ÷ torch | "
        "reference ÷ convlib |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['shape']} | {r['dtype']} | {r['pass']} | {r['convlib_ms']:.3f} | "
            f"{r['gflops']:.1f} | {100 * r['of_matmul']:.0f}% | {fmt(r['vs_torch'], '.2f')} | "
            f"{fmt(r['reference_x'], '.0f')} |"
        )
    return "\n".join(lines)


def frame_times():
    """Milliseconds to render one animation frame, and one step of each live widget."""
    from convlib import frames, svg, widgets  # widgets needs ipywidgets, a reader requirement

    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, size=(6, 7)).astype(float)
    w = rng.integers(-2, 3, size=(3, 3)).astype(float)
    dy = rng.integers(-3, 4, size=(4, 5)).astype(float)
    animations = {
        "forward": (frames.forward_frames(x, w), widgets.forward_widget),
        "dL/dw (one weight)": (
            frames.weight_gradient_frames(x, dy, 1, 1),
            widgets.weight_gradient_widget,
        ),
        "boxes 1-3 (dL/dx)": (frames.input_gradient_frames(dy, w, 2, 3), widgets.boxes_widget),
        "the flip": (frames.flip_frames(dy, w), widgets.flip_widget),
    }
    lines = [
        "| animation | frames | SVG of one frame, ms | widget step, ms |",
        "|---|---:|---:|---:|",
    ]
    for name, (animation, make_widget) in animations.items():
        render = time_block(lambda a=animation: [svg.frame_html(f) for f in a], 5) / len(animation)
        step = widgets.frame_update_seconds(make_widget(), repeats=20)
        lines.append(f"| {name} | {len(animation)} | {1e3 * render:.2f} | {1e3 * step:.2f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="ACDE", help="which of A-E to run (default ACDE)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=7)
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--no-frames", action="store_true", help="skip the animation frame times")
    args = parser.parse_args(argv)

    print("# convlib benchmark\n")
    print(
        f"- numpy {np.__version__}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}, "
        f"{os.cpu_count()} CPUs"
    )
    if torch is not None:
        torch.set_num_threads(2)
        print(f"- torch {torch.__version__}, {torch.get_num_threads()} threads")
    else:
        print("- torch not installed: no comparison column")
    for name in args.shapes:
        print(f"- {name}: {SHAPES[name].describe()}, {SHAPES[name].flops / 1e6:.1f} MFLOP per pass")
    dtypes = [np.dtype(d).type for d in args.dtypes.split(",")]
    rows = run(args.shapes, dtypes, args.rounds, args.samples)
    print()
    print(markdown(rows))
    print(
        "\nconvlib ÷ torch < 1 means convlib is faster. GF/s counts 2·N·C_out·C_in·k1·k2·N1·N2 "
        "FLOPs per pass; % of matmul divides it by NumPy's 1024³ matrix product in the same dtype "
        "and run."
    )
    if not args.no_frames:
        print("\n## Animation frames (a frame update should take well under 100 ms)\n")
        print(frame_times())


if __name__ == "__main__":
    main()
