"""The explorer's arithmetic (convlib/web/js/arithmetic.js, numbers.js) under node, against convlib.

This writes a sweep of settings, every mode with strides 1-3, paddings 0-2 and dilations 1-2 per
axis, sizes 1-9, kernels 1-4 and 1-3 channels in and out, with what convlib computes for each
(output sizes, which input cells each window reads at which tap, y, dL/dw, dL/dx, the padded
dL/dy with inserted zeros, flip(w)) and how the players write numbers, into a JSON file; then
``node --test tests/js/`` checks the script's functions against it, with no browser. Skips when
node is missing, and fails instead under CI. ``python tests/unit/test_arithmetic_js.py FILE`` writes
the file alone (``make test`` does, then runs node itself).
"""

import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys

import numpy as np
from needs import ROOT, missing, under_ci

import convlib
from convlib.frames import factor, fmt, minus_signs

NODE = shutil.which("node")
TESTS = ROOT / "tests" / "js"
COUNT = 240


def sweep(count=COUNT, seed=0):
    """Settings covering every combination of mode, stride, padding and dilation of the rows at
    least once, with random sizes, channels and the columns' stride, padding and dilation."""
    rng = random.Random(seed)
    combos = list(itertools.product(["forward", "grad_w", "grad_x"], [1, 2, 3], [0, 1, 2], [1, 2]))
    out = []
    for k in range(count):
        mode, s, p, d = combos[k] if k < len(combos) else rng.choice(combos)
        out.append(
            {
                "mode": mode,
                "H": rng.randint(1, 9),
                "W": rng.randint(1, 9),
                "k1": rng.randint(1, 4),
                "k2": rng.randint(1, 4),
                "s1": s,
                "s2": rng.choice([1, 2, 3]),
                "p1": p,
                "p2": rng.choice([0, 1, 2]),
                "d1": d,
                "d2": rng.choice([1, 2]),
                "cin": rng.randint(1, 3),
                "cout": rng.randint(1, 3),
            }
        )
    return out


def reads(st, N1, N2):
    """For each window (r, c): the input cells it reads and at which tap, [row, col, a, b],
    found by convlib's input gradient of a one-hot dL/dy with a kernel whose taps are numbered
    1 .. k1 k2 (the taps of one window fall on distinct cells, so each cell gets one number)."""
    k1, k2 = st["k1"], st["k2"]
    dy = np.zeros((N1 * N2, 1, N1, N2))
    for n, (r, c) in enumerate(itertools.product(range(N1), range(N2))):
        dy[n, 0, r, c] = 1
    taps = np.arange(1.0, k1 * k2 + 1).reshape(1, 1, k1, k2)
    params = {
        "stride": (st["s1"], st["s2"]),
        "padding": (st["p1"], st["p2"]),
        "dilation": (st["d1"], st["d2"]),
    }
    met = convlib.conv2d_grad_x(dy, taps, (N1 * N2, 1, st["H"], st["W"]), **params)[:, 0]
    out = []
    for n, (r, c) in enumerate(itertools.product(range(N1), range(N2))):
        cells = [
            [int(i), int(j), int(met[n, i, j] - 1) // k2, int(met[n, i, j] - 1) % k2]
            for i, j in zip(*np.nonzero(met[n]), strict=True)
        ]
        out.append([r, c, sorted(cells)])
    return out


def case(st, rng):
    """One setting with its arrays and what convlib makes of them."""
    params = {
        "stride": (st["s1"], st["s2"]),
        "padding": (st["p1"], st["p2"]),
        "dilation": (st["d1"], st["d2"]),
    }
    N1 = convlib.output_size(st["H"], st["k1"], st["s1"], st["p1"], st["d1"])
    N2 = convlib.output_size(st["W"], st["k2"], st["s2"], st["p2"], st["d2"])
    out = {"settings": st, "N1": N1, "N2": N2}
    if N1 < 1 or N2 < 1:
        return out
    cin, cout, k1, k2 = st["cin"], st["cout"], st["k1"], st["k2"]
    x = rng.integers(-9, 10, size=(cin, st["H"], st["W"]))
    w = rng.integers(-9, 10, size=(cout, cin, k1, k2))
    dy = rng.integers(-9, 10, size=(cout, N1, N2))
    xf, wf, dyf = (a.astype(np.float64) for a in (x, w, dy))
    y = convlib.conv2d(xf[None], wf, **params)[0]
    dw = convlib.conv2d_grad_w(xf[None], dyf[None], w.shape, **params)
    dx = convlib.conv2d_grad_x(dyf[None], wf, (1, *x.shape), **params)[0]
    s1, s2 = params["stride"]
    span1, span2 = st["d1"] * (k1 - 1), st["d2"] * (k2 - 1)
    z = np.zeros((cout, s1 * (N1 - 1) + 1, s2 * (N2 - 1) + 1), dtype=np.int64)
    z[:, ::s1, ::s2] = dy
    z = np.pad(z, ((0, 0), (span1, span1), (span2, span2)))
    arrays = {"x": x, "w": w, "dy": dy, "y": y, "dw": dw, "dx": dx, "z": z, "f": convlib.flip(w)}
    for name, array in arrays.items():
        assert np.array_equal(array, np.round(array)), name  # integers: exact in both languages
        out[name] = np.asarray(array).astype(np.int64).tolist()
    out["reads"] = reads(st, N1, N2)
    return out


def fixture():
    rng = np.random.default_rng(0)
    cases = [case(st, rng) for st in sweep()]
    numbers = [*range(-120, 121), -1000, 99999, -99999]
    return {
        "cases": cases,
        # How the players write numbers (fmt, then the minus sign): the explorer must agree.
        "numbers": [[v, minus_signs(fmt(v)), minus_signs(factor(v))] for v in numbers],
    }


def write(path):
    data = fixture()
    path.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    return data


def test_the_arithmetic_agrees_with_convlib_under_node(tmp_path):
    if NODE is None:
        missing(
            "node is not installed: the explorer's arithmetic is not tested", required=under_ci()
        )
    data = write(tmp_path / "sweep.json")
    cases = data["cases"]
    with_output = [c for c in cases if "y" in c]
    assert len(cases) >= 200 and len(with_output) >= 150, (len(cases), len(with_output))
    assert len(cases) - len(with_output) >= 5  # some settings leave no window
    assert {c["settings"]["mode"] for c in with_output} == {"forward", "grad_w", "grad_x"}
    for key in ["s1", "s2", "p1", "p2", "d1", "d2", "cin", "cout"]:
        assert len({c["settings"][key] for c in with_output}) >= 2, key
    # Some windows read the padding: fewer cells of x than taps.
    taps = {id(c): c["settings"]["k1"] * c["settings"]["k2"] for c in with_output}
    assert any(len(r[2]) < taps[id(c)] for c in with_output for r in c["reads"])
    run = subprocess.run(
        [NODE, "--test", "--test-reporter=tap", str(TESTS)],
        env={**os.environ, "CONVLIB_JS_SWEEP": str(tmp_path / "sweep.json")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
    counts = dict(re.findall(r"^# (tests|pass|fail) (\d+)$", report, flags=re.M))
    assert counts.get("fail") == "0" and counts.get("pass") == counts.get("tests"), report
    assert int(counts["tests"]) >= 6, report  # every test file under tests/js ran


if __name__ == "__main__":
    from pathlib import Path

    out = Path(sys.argv[1])
    out.parent.mkdir(parents=True, exist_ok=True)
    print(f"{out}: {len(write(out)['cases'])} settings")
