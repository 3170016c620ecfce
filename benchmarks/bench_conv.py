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

``--sweep`` adds a kernel-size sweep (direct ``convlib.conv2d`` against ``convlib.fft.conv2d_fft``)
and the reference loops on a small batched layer; ``--json PATH`` runs these too and writes every
measured number to PATH (the book's chapter "Making it fast" reads ``benchmarks/results.json``).
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import convlib  # the repository's convlib, even when not installed
from convlib.fft import conv2d_fft

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

# The kernel-size sweep: the same images, square kernels of growing size k.
SWEEP_KERNELS = (1, 3, 5, 9, 15, 25, 41)
SWEEPS = {
    "single channel": Shape("single channel", 1, 1, 1, 128, 128, 0, 1, 0, single_channel=True),
    "16 channels": Shape("16 channels", 4, 16, 16, 64, 64, 0, 1, 0),
}
# A small batched layer on which the reference loops (7 nested loops) take tens of milliseconds.
LOOPS_SHAPE = Shape("loops", 2, 3, 4, 16, 16, 3, 1, 0)


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


def run(shape_names, dtypes, rounds, samples, probes=None):
    """One row per (shape, dtype, pass); ``probes`` collects every matmul probe by dtype."""
    rng = np.random.default_rng(0)
    rows = []
    probes = {} if probes is None else probes
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
            probes.setdefault(np.dtype(dtype).name, []).extend(peaks)
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
                        "flops": shape.flops,
                        "matmul_gflops": peak,
                        "torch_ms": 1e3 * best[("torch", pass_)]
                        if ("torch", pass_) in best
                        else None,
                        "reference_ms": 1e3 * best[("reference", pass_)]
                        if ("reference", pass_) in best
                        else None,
                    }
                )
            print(
                f"  measured {name} {np.dtype(dtype).name} (matmul probe {peak:.0f} GF/s)",
                file=sys.stderr,
            )
    return rows


def sweep_arrays(shape, k, rng):
    """x and w (float64) of one sweep point: 2-D arrays for a single channel, 4-D otherwise."""
    if shape.single_channel:
        return rng.standard_normal((shape.H, shape.W)), rng.standard_normal((k, k))
    x = rng.standard_normal((shape.N, shape.C_in, shape.H, shape.W))
    return x, rng.standard_normal((shape.C_out, shape.C_in, k, k))


def kernel_sweep(rounds, samples):
    """Direct conv2d against conv2d_fft for every sweep shape and kernel size, float64."""
    rng = np.random.default_rng(1)
    sweeps = []
    for name, shape in SWEEPS.items():
        rows = []
        for k in SWEEP_KERNELS:
            x, w = sweep_arrays(shape, k, rng)
            direct, fft = convlib.conv2d(x, w), conv2d_fft(x, w)
            error = convlib.gradcheck.relative_error(fft, direct)
            if not error < 1e-12:
                raise AssertionError(f"conv2d_fft on {name}, k={k}: relative error {error:.2g}")
            calls = {
                "direct": lambda x=x, w=w: convlib.conv2d(x, w),
                "fft": lambda x=x, w=w: conv2d_fft(x, w),
            }
            best = {method: np.inf for method in calls}
            for _ in range(rounds):
                for method, call in calls.items():
                    best[method] = min(best[method], time_block(call, samples))
            N1 = shape.H - k + 1
            flops = 2 * shape.N * shape.C_out * shape.C_in * k**2 * N1 * (shape.W - k + 1)
            rows.append(
                {
                    "k": k,
                    "direct_ms": 1e3 * best["direct"],
                    "fft_ms": 1e3 * best["fft"],
                    "flops": flops,
                    "fft_error": error,
                }
            )
            print(f"  swept {name} k={k}", file=sys.stderr)
        fields = ("N", "C_in", "C_out", "H", "W")
        sweeps.append({"name": name, **{f: getattr(shape, f) for f in fields}, "rows": rows})
    return sweeps


def loops_timing(rounds, samples):
    """The reference loops against the vectorised functions on LOOPS_SHAPE, float64."""
    shape, rng = LOOPS_SHAPE, np.random.default_rng(2)
    x = rng.standard_normal((shape.N, shape.C_in, shape.H, shape.W))
    w = rng.standard_normal((shape.C_out, shape.C_in, shape.k, shape.k))
    dy = rng.standard_normal(convlib.conv2d(x, w).shape)
    pairs = {
        "forward": (lambda: convlib.reference.conv2d(x, w), lambda: convlib.conv2d(x, w)),
        "dL/dx": (
            lambda: convlib.reference.conv2d_grad_x(dy, w),
            lambda: convlib.conv2d_grad_x(dy, w),
        ),
        "dL/dw": (
            lambda: convlib.reference.conv2d_grad_w(x, dy),
            lambda: convlib.conv2d_grad_w(x, dy),
        ),
    }
    rows = []
    for pass_, (loops, vectorised) in pairs.items():
        error = convlib.gradcheck.relative_error(loops(), vectorised())
        if not error < 1e-12:
            raise AssertionError(
                f"reference {pass_} on the loops shape: relative error {error:.2g}"
            )
        t_loops = min(time_block(loops, samples) for _ in range(rounds))
        t_vec = min(time_block(vectorised, samples) for _ in range(rounds))
        rows.append(
            {
                "pass": pass_,
                "reference_ms": 1e3 * t_loops,
                "convlib_ms": 1e3 * t_vec,
                "ratio": t_loops / t_vec,
            }
        )
    fields = ("N", "C_in", "C_out", "H", "W", "k")
    return {**{f: getattr(shape, f) for f in fields}, "flops": shape.flops, "rows": rows}


def sweep_markdown(sweeps, loops):
    lines = [
        "| sweep | k | FLOPs (direct) | direct ms | FFT ms | direct ÷ FFT |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for sweep in sweeps:
        for r in sweep["rows"]:
            lines.append(
                f"| {sweep['name']} | {r['k']} | {r['flops']:.3g} | {r['direct_ms']:.3f} | "
                f"{r['fft_ms']:.3f} | {r['direct_ms'] / r['fft_ms']:.2f} |"
            )
    lines += [
        "",
        "| loops layer | pass | reference ms | convlib ms | reference ÷ convlib |",
        "|---|---|---:|---:|---:|",
    ]
    for r in loops["rows"]:
        lines.append(
            f"| N={loops['N']}, C_in={loops['C_in']}, C_out={loops['C_out']}, "
            f"{loops['H']}x{loops['W']}, {loops['k']}x{loops['k']} | {r['pass']} | "
            f"{r['reference_ms']:.2f} | {r['convlib_ms']:.3f} | {r['ratio']:.0f} |"
        )
    return "\n".join(lines)


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
    from convlib import frames
    from convlib.web import svg, widgets  # widgets needs ipywidgets, a reader requirement

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
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="also time direct against FFT over kernel sizes, and the reference loops",
    )
    parser.add_argument("--sweep-rounds", type=int, default=2, help="rounds for the sweep")
    parser.add_argument(
        "--json", metavar="PATH", help="also write every measured number to PATH (implies --sweep)"
    )
    args = parser.parse_args(argv)
    started = time.time()

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
    probes = {}
    rows = run(args.shapes, dtypes, args.rounds, args.samples, probes)
    print()
    print(markdown(rows))
    print(
        "\nconvlib ÷ torch < 1 means convlib is faster. GF/s counts 2·N·C_out·C_in·k1·k2·N1·N2 "
        "FLOPs per pass; % of matmul divides it by NumPy's 1024³ matrix product in the same dtype "
        "and run."
    )
    sweeps = loops = None
    if args.sweep or args.json:
        sweeps = kernel_sweep(args.sweep_rounds, args.samples)
        loops = loops_timing(args.sweep_rounds, args.samples)
        print("\n## Kernel sweep (float64): direct conv2d against conv2d_fft\n")
        print(sweep_markdown(sweeps, loops))
    if not args.no_frames:
        print("\n## Animation frames (a frame update should take well under 100 ms)\n")
        print(frame_times())
    if args.json:
        results = {
            "environment": {
                "numpy": np.__version__,
                "torch": None if torch is None else torch.__version__,
                "torch_threads": None if torch is None else torch.get_num_threads(),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
                "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
                "rounds": args.rounds,
                "samples": args.samples,
                "sweep_rounds": args.sweep_rounds,
                "date": time.strftime("%Y-%m-%d"),
                "seconds": round(time.time() - started),
            },
            "shapes": {
                name: {
                    "N": s.N,
                    "C_in": s.C_in,
                    "C_out": s.C_out,
                    "H": s.H,
                    "W": s.W,
                    "k": s.k,
                    "stride": s.stride,
                    "padding": s.padding,
                    "N1": s.out,
                    "flops": s.flops,
                    "single_channel": s.single_channel,
                }
                for name, s in SHAPES.items()
                if name in args.shapes
            },
            "matmul_gflops": {
                dtype: {"max": max(values), "all": values} for dtype, values in probes.items()
            },
            "passes": rows,
            "kernel_sweep": sweeps,
            "loops": loops,
        }
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
        print(f"\nwrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
