"""Recompute every number stated in the solutions (and the fixed numbers in the text) of chapter
08_making_it_fast; asserts only. Reads the committed benchmarks/results.json for measured ones."""

import json
from pathlib import Path

import numpy as np

import convlib
from convlib.matrix import window_matrix

ROOT = Path(__file__).resolve().parents[2]
results = json.loads((ROOT / "benchmarks" / "results.json").read_text())


def flops(N, C_out, C_in, k1, k2, N1, N2):
    return 2 * N * C_out * C_in * k1 * k2 * N1 * N2


# ex-fast-flops
N1 = convlib.output_size(224, 7, stride=2, padding=3)
assert N1 == 112 == (224 + 6 - 7) // 2 + 1 and 223 // 2 + 1 == 112
stem = flops(32, 64, 3, 7, 7, 112, 112)
assert stem == 7_552_892_928 and round(stem / 1e9, 2) == 7.55
assert round(stem / 32 / 1e6) == 236
assert convlib.output_size(56, 3, padding=1) == 56
deep = flops(32, 64, 64, 3, 3, 56, 56)
assert deep == 7_398_752_256 and round(deep / 1e9, 2) == 7.40
assert round(stem / 100e9 * 1e3, 1) == 75.5
assert round(2 * stem / 1e9, 1) == 15.1 and round(2 * stem / 100e9 * 1e3) == 151
assert round(3 * stem / 100e9 * 1e3, 1) == 226.6
# the FLOP count = the number of (n, o, i, r, c, a, b) terms the reference loops run (small case)
x, w = np.ones((2, 3, 7, 6)), np.ones((4, 3, 3, 2))
assert convlib.reference.conv2d(x, w).sum() == flops(2, 4, 3, 3, 2, 5, 5) / 2

# ex-fast-im2col-memory
rows, cols = 8 * 56 * 56, 64 * 9
assert (rows, cols) == (25_088, 576) and rows * cols == 14_450_688
assert round(rows * cols * 8 / 1e6, 1) == 115.6 and round(rows * cols * 4 / 1e6, 1) == 57.8
x_D = 8 * 64 * 56 * 56
assert x_D == 1_605_632 and round(x_D * 8 / 1e6, 1) == 12.8 and rows * cols == 9 * x_D
N1_E = convlib.output_size(56, 3, stride=2, padding=1)
assert N1_E == 28 == (56 + 2 - 3) // 2 + 1
X_E = 8 * 28 * 28 * 576
assert 8 * 28 * 28 == 6272 and X_E == 3_612_672 and round(X_E * 8 / 1e6, 1) == 28.9
assert X_E / x_D == 2.25
X_stem = 32 * 112 * 112 * 3 * 49
assert 32 * 112 * 112 == 401_408 and X_stem == 59_006_976 and round(X_stem * 8 / 1e6, 1) == 472.1
x_stem = 32 * 3 * 224 * 224
assert x_stem == 4_816_896 and round(x_stem * 8 / 1e6, 1) == 38.5 and X_stem / x_stem == 12.25
# the size of X against window_matrix (single channel, padding 1, stride 2) and the text's 5.7
X = window_matrix(np.ones((10, 10)), (3, 3), stride=2, padding=1)
assert X.shape == (25, 9) and X.size / 100 == 2.25
assert round(window_matrix(np.ones((7, 9)), (3, 4)).size / 63, 1) == 5.7

# ex-fast-fft-crossover, part 1 (and the text's "about 54, near k = 8")
S = 128
one = 2.5 * S * S * np.log2(S * S)
assert np.log2(S * S) == 14 and one == 573_440 and 3 * one == 1_720_320
prod = 6 * S * (S // 2 + 1)
assert prod == 49_920 and 3 * one + prod == 1_770_240
fft = 3 * one + prod
direct = {k: 2 * k * k * (129 - k) ** 2 for k in range(1, 60)}
assert direct[7] == 1_458_632 < fft < direct[8] == 1_874_048
assert min(k for k in direct if direct[k] > fft) == 8
assert min(k for k in direct if direct[k] > fft and k % 2) == 9
assert round((3 * 2.5 * 14 + 3) / 2) == 54 and round(np.sqrt(54)) == 7  # k^2 = 54: k = 7.3
# part 2, from the committed run
single, multi = results["kernel_sweep"]
assert single["H"] == 128 and single["C_in"] == 1
r9 = next(r for r in single["rows"] if r["k"] == 9)
assert r9["flops"] == 2 * 81 * 120**2 == 2_332_800
assert round(r9["direct_ms"], 2) == 0.74 and round(r9["fft_ms"], 2) == 0.25
assert round(r9["flops"] / r9["direct_ms"] / 1e6, 1) == 3.2
assert round(fft / r9["fft_ms"] / 1e6, 1) == 7.0
assert round((fft / r9["fft_ms"]) / (r9["flops"] / r9["direct_ms"])) == 2
from convlib.figures.perfplots import crossing, ties  # noqa: E402

# a tie at k = 5 (1.7%, inside the noise), a clear win from k = 9, on one channel
assert (
    ties(single["rows"]) == [5] and crossing(single["rows"]) == 9 and crossing(multi["rows"]) == 9
)
r5 = next(r for r in single["rows"] if r["k"] == 5)
assert r5["flops"] == 2 * 25 * 124**2 and round(fft / r5["flops"], 1) == 2.3
assert round(fft / r9["flops"], 1) == 0.8 and round(r9["flops"] / fft, 1) == 1.3
assert round(r9["direct_ms"] / r9["fft_ms"], 1) == 2.9
# part 3
assert (multi["N"], multi["C_in"], multi["C_out"], multi["H"]) == (4, 16, 16, 64)
transforms = 4 * 16 + 16 * 16 + 4 * 16
assert transforms == 384 and 2.5 * 4096 * 12 == 122_880 and transforms * 122_880 == 47_185_920
products = 4 * 16 * 16 * 64 * 33 * 8
assert products == 17_301_504 and 47_185_920 + products == 64_487_424
r3 = next(r for r in multi["rows"] if r["k"] == 3)
assert r3["flops"] == 70_852_608 > 64_487_424
direct_gflops = [r["flops"] / r["direct_ms"] / 1e6 for r in multi["rows"] if r["k"] >= 3]
assert round(min(direct_gflops)) == 17 and round(max(direct_gflops)) == 46, direct_gflops
all_gflops = [r["flops"] / r["direct_ms"] / 1e6 for r in multi["rows"]]  # k = 1 too
assert round(min(all_gflops)) == 14 and round(max(all_gflops)) == 46, all_gflops
fft_gflops = [64_487_424 / r["fft_ms"] / 1e6 for r in multi["rows"]]
assert round(min(fft_gflops), 1) == 6.9 and round(max(fft_gflops), 1) == 8.1, fft_gflops

# ex-fast-winograd
rng = np.random.default_rng(0)
for _ in range(5):
    d, g = rng.standard_normal(4), rng.standard_normal(3)
    m1, m4 = (d[0] - d[2]) * g[0], (d[1] - d[3]) * g[2]
    m2 = (d[1] + d[2]) * (g[0] + g[1] + g[2]) / 2
    m3 = (d[2] - d[1]) * (g[0] - g[1] + g[2]) / 2
    assert np.allclose(m2 + m3, d[2] * g[0] + d[1] * g[1] + d[2] * g[2])
    assert np.allclose(m2 - m3, d[1] * g[0] + d[2] * g[1] + d[1] * g[2])
    assert np.allclose([m1 + m2 + m3, m2 - m3 - m4], convlib.conv2d(d[None], g[None])[0])
assert 4 * 9 == 36 and 36 / 16 == 2.25 and 6 / 4 == 1.5
mults_D = 8 * 64 * 64 * 9 * 56 * 56
assert mults_D == 924_844_032 == results["shapes"]["D"]["flops"] // 2
assert mults_D / 2.25 == 411_041_792
x10 = rng.standard_normal(10)
tiles = []
for t in range(0, 8, 2):
    d = x10[t : t + 4]
    m1, m4 = (d[0] - d[2]) * g[0], (d[1] - d[3]) * g[2]
    m2 = (d[1] + d[2]) * (g[0] + g[1] + g[2]) / 2
    m3 = (d[2] - d[1]) * (g[0] - g[1] + g[2]) / 2
    tiles += [m1 + m2 + m3, m2 - m3 - m4]
assert np.allclose(tiles, convlib.conv2d(x10[None], g[None])[0])

# numbers quoted in the chapter's prose, from the committed run
passes = {(r["shape"], r["dtype"], r["pass"]): r for r in results["passes"]}
vs = {k: r["vs_torch"] for k, r in passes.items()}
cd64 = [vs[s, "float64", p] for s in "CD" for p in ("forward", "dL/dw")]
assert round(min(cd64), 2) == 0.76 and round(max(cd64), 2) == 0.95
e64 = [vs["E", "float64", p] for p in ("forward", "dL/dw")]
assert round(min(e64), 1) == 1.2 and round(max(e64), 1) == 1.7
dx64 = [vs[s, "float64", "dL/dx"] for s in "CDE"]
assert 2 <= min(dx64) and max(dx64) < 4.5  # "2-4.5 times slower"
f32 = [vs[s, "float32", p] for s in "CDE" for p in ("forward", "dL/dw", "dL/dx")]
assert round(min(f32), 1) == 1.8 and round(max(f32), 1) == 5.1
share = {k: r["of_matmul"] for k, r in passes.items()}
de = [
    share[s, d, p]
    for s in "DE"
    for d in ("float64", "float32")
    for p in ("forward", "dL/dw", "dL/dx")
]
assert round(100 * min(de)) == 28 and round(100 * max(de)) == 56
c = [share["C", d, p] for d in ("float64", "float32") for p in ("forward", "dL/dw", "dL/dx")]
assert round(100 * min(c)) == 13 and round(100 * max(c)) == 24
f32_share = [share[s, "float32", p] for s in "CDE" for p in ("forward", "dL/dw", "dL/dx")]
assert round(100 * min(f32_share)) == 13 and round(100 * max(f32_share)) == 43
torch_dx = [passes[s, "float64", "dL/dx"] for s in "CDE"]
torch_dx_share = [r["flops"] / r["torch_ms"] / 1e6 / r["matmul_gflops"] for r in torch_dx]
assert 0.6 < min(torch_dx_share) and max(torch_dx_share) < 0.78  # "two thirds to three quarters"
torch_f32 = [passes[s, "float32", "forward"] for s in "CDE"]
torch_f32_share = [r["flops"] / r["torch_ms"] / 1e6 / r["matmul_gflops"] for r in torch_f32]
assert round(100 * min(torch_f32_share)) == 77 and round(100 * max(torch_f32_share)) == 101
loops = results["loops"]
terms = 2 * 4 * 3 * 14 * 14 * 9
assert loops["flops"] == 2 * terms
ns = [1e6 * r["reference_ms"] / terms for r in loops["rows"]]
assert 300 < min(ns) and max(ns) < 520  # "a third to half a microsecond"
assert (
    200 <= min(r["ratio"] for r in loops["rows"]) and max(r["ratio"] for r in loops["rows"]) < 500
)
single_gflops = [r["flops"] / r["direct_ms"] / 1e6 for r in single["rows"] if r["k"] >= 3]
assert 2.5 < min(single_gflops) and max(single_gflops) < 3.5  # "about 3 GF/s"
assert results["shapes"]["A"]["flops"] == 18_432
assert results["matmul_gflops"]["float32"]["max"] / results["matmul_gflops"]["float64"]["max"] > 2
print("all numbers in the solutions of 08_making_it_fast check out")
