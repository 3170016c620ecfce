"""The sandboxes' users: finding and killing their processes."""

import contextlib
import os
import subprocess
import time
from pathlib import Path


def become_reaper():
    """Make this process the one that orphans of its descendants are given to (Linux's child
    subreaper), so that kill_user can reap a sandbox's zombies instead of leaving them to PID 1."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def user_processes(uid, zombies=False):
    """The ids of the live processes whose real user is ``uid``; zombies (which run nothing and
    wait for a parent to reap them, e.g. a container's PID 1) too if ``zombies``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                status = dict(
                    line.split(":", 1) for line in (entry / "status").read_text().splitlines()
                )
                dead = status["State"].split()[0] in "ZX"
                if int(status["Uid"].split()[0]) == uid and (zombies or not dead):
                    found.append(int(entry.name))
    return found


def kill_user(uid):
    """Kill every process of ``uid`` (kill(-1) as that user), until none is left."""
    for _ in range(50):
        if not user_processes(uid):
            # Reap what is left: orphans come to this process (a subreaper, see become_reaper).
            for _ in range(100):
                zombies = user_processes(uid, zombies=True)
                if not zombies:
                    break
                for pid in zombies:
                    with contextlib.suppress(ChildProcessError, OSError):
                        os.waitpid(pid, os.WNOHANG)
                time.sleep(0.05)
            return
        subprocess.run(
            ["kill", "-KILL", "-1"],
            user=uid, group=uid, extra_groups=[], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        time.sleep(0.05)
    raise RuntimeError(f"processes of user {uid} survive SIGKILL: {user_processes(uid)}")
