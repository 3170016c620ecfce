"""tools/build_lite.py takes a Pyodide wheel only when it is the one Pyodide's lock names."""

import hashlib
import importlib.util
import zipfile

import pytest
from needs import ROOT

spec = importlib.util.spec_from_file_location("build_lite", ROOT / "tools" / "build_lite.py")
build_lite = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_lite)

GOOD, OTHER = b"the wheel Pyodide built", b"some other bytes"


def entry(file_name, data, depends=()):
    return {
        "file_name": file_name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "depends": list(depends),
    }


LOCK = {
    "packages": {
        "numpy": entry("numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl", GOOD),
        "prompt-toolkit": entry("prompt_toolkit-3.0.43-py3-none-any.whl", GOOD, ["wcwidth"]),
        "wcwidth": entry("wcwidth-0.2.13-py2.py3-none-any.whl", GOOD),
        "ipython": entry("ipython-8.23.0-py3-none-any.whl", GOOD, ["prompt_toolkit"]),
    }
}


def carrier(tmp_path, files):
    path = tmp_path / "carrier.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"somewhere/assets/{name}", data)
    return path


def test_closure_follows_dependencies_spelled_either_way():
    assert build_lite.closure(LOCK, ["ipython"]) == ["ipython", "prompt-toolkit", "wcwidth"]
    with pytest.raises(build_lite.LiteBuildError, match="no package 'scipy'"):
        build_lite.closure(LOCK, ["scipy"])


def test_a_wheel_matching_the_lock_is_taken(tmp_path):
    name = LOCK["packages"]["numpy"]["file_name"]
    found = build_lite.verified_wheels(LOCK, ["numpy"], carrier(tmp_path, {name: GOOD}))
    assert found == {name: GOOD}


def test_a_wheel_with_another_sha256_stops_the_build(tmp_path):
    name = LOCK["packages"]["numpy"]["file_name"]
    with pytest.raises(build_lite.LiteBuildError, match="sha256.*not using it"):
        build_lite.verified_wheels(LOCK, ["numpy"], carrier(tmp_path, {name: OTHER}))


def test_a_missing_wheel_stops_the_build(tmp_path):
    name = LOCK["packages"]["numpy"]["file_name"]
    with pytest.raises(build_lite.LiteBuildError, match="does not carry.*wcwidth"):
        build_lite.verified_wheels(LOCK, ["numpy", "wcwidth"], carrier(tmp_path, {name: GOOD}))
