"""How long each chapter takes in the site's JupyterLite app, from a cold browser profile.

Usage: python benchmarks/bench_lite.py [--repeat N] [--write]   (``make lite-benchmark``)

Serves the built site (``make book``) on 127.0.0.1 under a sub-path and, for every chapter of
``_toc.yml``, starts Chromium with a new, empty profile (no HTTP cache, no service worker, no
stored files), opens the chapter's page, follows its JupyterLite launch link and presses Run All
Cells as soon as the kernel is idle, exactly as the browser test does (``tests/lite_driver.py``).
It reports the seconds from opening the link to the first cell output and to the last cell done;
with ``--repeat`` the median of the runs. ``--write`` puts the table into
``benchmarks/RESULTS.md`` (between its ``lite-benchmark`` markers), with the machine's load.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from lite_driver import (  # from tests/, put on the path above
    LITE,
    NO_OTHER_HOSTS,
    ROOT,
    Guard,
    NotebookRun,
    SiteServer,
    chapter_pages,
    launch_link,
)
from needs import CHROMIUM, CHROMIUM_ARGS

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- lite-benchmark: begin -->", "<!-- lite-benchmark: end -->"
TARGETS = {"first": 10.0, "done": 20.0}


def time_chapter(playwright, server, chapter):
    """Seconds to the kernel idle, the first output and all done: one cold run of ``chapter``."""
    with tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, NO_OTHER_HOSTS],
            viewport={"width": 1400, "height": 1000},
        )
        try:
            guard = Guard(context, server.origin)
            page = context.new_page()
            url = launch_link(page, server, chapter)
            guard.reset()
            run = NotebookRun(page, url, timeout=300)
            if run.unfinished or run.done is None:
                raise RuntimeError(f"{chapter}: cells {run.unfinished} did not finish")
            if guard.refused:
                raise RuntimeError(f"{chapter}: requests to other servers: {guard.refused[:3]}")
            return run.kernel_ready, run.first_output, run.done
        finally:
            context.close()


def table(rows):
    lines = [
        "| chapter | kernel idle (s) | first output (s) | all cells done (s) | load average |",
        "|---|---:|---:|---:|---:|",
    ]
    for chapter, ready, first, done, load in rows:
        flag_first = "" if first <= TARGETS["first"] else " ⚠"
        flag_done = "" if done <= TARGETS["done"] else " ⚠"
        lines.append(
            f"| {chapter} | {ready:.1f} | {first:.1f}{flag_first} | {done:.1f}{flag_done} "
            f"| {load:.1f} |"
        )
    return "\n".join(lines)


def report(rows, repeat, load):
    cpus = os.cpu_count()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    over = [r[0] for r in rows if r[2] > TARGETS["first"] or r[3] > TARGETS["done"]]
    verdict = (
        "Every chapter meets both targets."
        if not over
        else f"{len(over)} of {len(rows)} chapters miss a target (⚠)."
    )
    shared = max(load[0], *(row[4] for row in rows)) > 0.5 * cpus
    paragraph = (
        f"Measured with `make lite-benchmark` (`benchmarks/bench_lite.py`) on {when}: "
        f"{platform.machine()}, {cpus} CPUs, Chromium headless, a new empty browser profile "
        f"for every chapter, the site served from 127.0.0.1. Seconds from opening the "
        f"chapter's JupyterLite link to the kernel idle, to the first cell output and to the "
        f"last cell done (Run All Cells pressed as soon as the kernel is idle, so the first "
        f"output waits for Pyodide to start), median of {repeat} run(s). Targets: first "
        f"output ≤ {TARGETS['first']:.0f} s, all done ≤ {TARGETS['done']:.0f} s. The load "
        f"average (runnable processes; above {cpus} they wait for a CPU) was "
        f"{load[0]:.1f} / {load[1]:.1f} (1 / 5 min) at the start and is given for each "
        f"chapter: "
        + (
            "the machine was shared with other work, which slows every number."
            if shared
            else "the machine was otherwise idle."
        )
    )
    return "\n".join(
        [
            BEGIN,
            "## Chapters in the browser (JupyterLite)",
            "",
            textwrap.fill(paragraph, width=100, break_on_hyphens=False),
            "",
            table(rows),
            "",
            verdict,
            END,
        ]
    )


def write(section):
    text = RESULTS.read_text(encoding="utf-8")
    if BEGIN in text:
        start, end = text.index(BEGIN), text.index(END) + len(END)
        text = text[:start] + section + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per chapter (median kept)")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be a positive integer, got {args.repeat}")
    if CHROMIUM is None:
        sys.exit("bench_lite: no Chromium found: install Debian's (apt-get install chromium)")
    if not (LITE / "index.html").exists():
        sys.exit(f"bench_lite: {LITE} is not built: run `make book`")
    from playwright.sync_api import sync_playwright

    load = os.getloadavg()
    server = SiteServer()
    rows = []
    try:
        with sync_playwright() as playwright:
            for chapter in chapter_pages():
                chapter_load = os.getloadavg()[0]
                runs = [time_chapter(playwright, server, chapter) for _ in range(args.repeat)]
                ready, first, done = (statistics.median(r[i] for r in runs) for i in range(3))
                name = Path(chapter).stem
                print(
                    f"{name}: kernel idle {ready:.1f} s, first output {first:.1f} s, "
                    f"all done {done:.1f} s "
                    f"(load average {chapter_load:.1f})",
                    flush=True,
                )
                rows.append((name, ready, first, done, chapter_load))
    finally:
        server.close()
    section = report(rows, args.repeat, load)
    print(section)
    if args.write:
        write(section)
        print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
