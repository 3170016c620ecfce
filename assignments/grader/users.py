"""The sandboxes' users: finding and killing their processes, and removing what they leave."""

import contextlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

# The folders of this machine that every user may write to: without namespaces, a sandbox's
# files there outlive it unless removed (with namespaces, the sandbox has its own of each).
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")
IPC = {"shm": "-m", "sem": "-s", "msg": "-q"}  # /proc/sysvipc/NAME: ipcrm's option


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
        # As root, each process seen; what they start meanwhile is seen on the next round.
        for pid in user_processes(uid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)
    raise RuntimeError(f"processes of user {uid} survive SIGKILL: {user_processes(uid)}")


def clean_user(uid, folders=SHARED_FOLDERS):
    """Remove what ``uid`` left behind once its processes are dead (see kill_user): its System V
    shared memory, semaphores and message queues, its kernel keys, and its files and folders in
    ``folders``."""
    remove_ipc(uid)
    clear_keys(uid)
    for folder in folders:
        remove_files(uid, folder)


# Empty the kernel keyrings of one user (which outlive its processes): run by root, it becomes
# that user first, since only a keyring's user may name it.
CLEAR_KEYS = """
import ctypes, os, platform, sys
uid = int(sys.argv[1])
os.setgroups([])
os.setresgid(uid, uid, uid)
os.setresuid(uid, uid, uid)
keyctl = {"x86_64": 250, "aarch64": 219}.get(platform.machine())
if keyctl:
    libc = ctypes.CDLL(None, use_errno=True)
    for keyring in (-4, -5):  # the user's own two keyrings (keyctl(2))
        libc.syscall(keyctl, 7, keyring)  # KEYCTL_CLEAR
"""


def has_keys(uid):
    """Whether the kernel holds keys or keyrings for ``uid`` (/proc/key-users, read by root)."""
    try:
        lines = Path("/proc/key-users").read_text().splitlines()
    except OSError:
        return True  # cannot tell: clear them
    for line in lines:
        user, _, counts = line.partition(":")
        if user.strip() == str(uid):
            # usage, then keys/instantiated keys: a user has two keyrings of its own, empty or not
            return int(counts.split()[1].split("/")[0]) > 2
    return False


def clear_keys(uid):
    if not has_keys(uid):
        return
    subprocess.run(
        [sys.executable, "-I", "-S", "-c", CLEAR_KEYS, str(uid)], stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd="/", env={},
    )  # fmt: skip


def ipc_objects(uid):
    """[(ipcrm option, id)] of the System V IPC objects that ``uid`` owns or created."""
    found = []
    for kind, option in IPC.items():
        with contextlib.suppress(OSError):
            header, *rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
            names = header.split()
            for row in rows:
                fields = dict(zip(names, row.split(), strict=False))
                if uid in (int(fields.get("uid", -1)), int(fields.get("cuid", -1))):
                    found.append((option, fields[names[1]]))  # shmid, semid or msqid
    return found


def remove_ipc(uid):
    objects = ipc_objects(uid)
    if objects:
        subprocess.run(
            ["ipcrm", *(part for option, ident in objects for part in (option, ident))],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            check=False,
        )  # fmt: skip
    left = ipc_objects(uid)
    if left:
        raise RuntimeError(f"System V IPC objects of user {uid} survive ipcrm: {left}")


def remove_files(uid, top):
    """Remove every file and folder of ``uid`` under ``top`` (in folders that ``uid`` could
    enter, on the file system of ``top``). Symlinks are never followed (the walk holds each
    folder open, and removes names in it), so a link another user planted leads nowhere."""
    top = os.path.realpath(top)  # e.g. /var/lock, a symlink to /run/lock
    try:
        device = os.stat(top).st_dev
    except OSError:
        return
    for _folder, dirs, files, fd in os.fwalk(top, follow_symlinks=False):
        enter = []
        for name in [*dirs, *files]:
            try:
                st = os.lstat(name, dir_fd=fd)
            except OSError:
                continue
            with contextlib.suppress(OSError):
                if st.st_uid == uid and stat.S_ISDIR(st.st_mode):
                    shutil.rmtree(name, dir_fd=fd)
                elif st.st_uid == uid:
                    os.unlink(name, dir_fd=fd)
                elif stat.S_ISDIR(st.st_mode) and st.st_dev == device and st.st_mode & 0o001:
                    enter.append(name)  # another's, which uid could enter
        dirs[:] = [name for name in dirs if name in enter]
