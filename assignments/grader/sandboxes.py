"""How a sandbox starts here: an unprivileged user of its own, limits and, where Linux allows
it, new namespaces with a root file system that holds only what the sandbox needs."""

import contextlib
import fcntl
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .users import become_reaper, clean_user, kill_user

# This Python, by a path without '..' (the sandbox's root has only Python's own folders).
PYTHON = os.path.abspath(sys.executable)
# The sandboxes' users: numeric ids without a name, one per submission graded at once, taken
# from this range under a lock file each, so that two gradings at once never share one.
UID_BASE, UID_COUNT = 61000, 1000
LOCKS = Path(tempfile.gettempdir()) / "convlib-grade-uids"

# The writable folders of a sandbox with namespaces: each a private tmpfs of this many MiB (in
# memory, gone with the sandbox), so that no sandbox can fill the disk or a folder of another.
TEMP_FOLDERS = {"/tmp": 64, "/var/tmp": 64, "/dev/shm": 64, "/run/lock": 8}
WORKDIR_MB = 128  # the working folder: the kit, the cells, and what the submission writes
INODES = 4096  # files and folders in each of them
ROOT_MB = 1  # the new root itself: the folders that the mounts go on, read-only once built
# The top-level folders that programs need: bound read-only (or, where they are symlinks, as on
# merged-/usr systems, the same symlinks).
SYSTEM = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
DEVICES = ("null", "zero", "random", "urandom")
# Copied from this machine's /etc into the sandbox's: the dynamic linker's cache and the time
# zone (Python and NumPy need nothing else there), and fontconfig's settings for Matplotlib.
ETC = ("ld.so.cache", "localtime", "fonts")


class Sandboxes:
    """How to start a sandbox here, and the users that sandboxes run as."""

    def __init__(self, jobs, memory_mb, cell_timeout, scratch=None):
        if os.geteuid() != 0:
            raise SystemExit(
                "grade.py runs each submission as another, unprivileged user, which needs root: "
                "run it with sudo (Gradescope runs the autograder as root)"
            )
        for name in ("setpriv", "ipcrm"):
            if not shutil.which(program(name)):
                raise SystemExit(f"grade.py needs {name} (Debian package util-linux)")
        become_reaper()
        self.locks, self.uids = [], []
        LOCKS.mkdir(mode=0o700, exist_ok=True)
        for uid in range(UID_BASE, UID_BASE + UID_COUNT):
            if len(self.uids) == max(1, jobs):
                break
            with contextlib.suppress(KeyError):
                pwd.getpwuid(uid)
                continue  # a user of this machine: not ours to use
            lock = open(LOCKS / str(uid), "w")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # another grading uses it
                lock.close()
                continue
            self.locks.append(lock)
            self.uids.append(uid)
            kill_user(uid)  # whatever a grading that crashed left behind
            clean_user(uid)
        if len(self.uids) < max(1, jobs):
            raise SystemExit(f"no free user ids in {UID_BASE}..{UID_BASE + UID_COUNT - 1}")
        self.free = list(self.uids)
        self.lock = threading.Lock()
        self.memory_mb, self.cell_timeout = memory_mb, cell_timeout
        self.scratch = Path(tempfile.mkdtemp(prefix="grade-", dir=scratch))
        self.scratch.chmod(0o711)  # the sandboxes pass through to their own folders
        self._prepare_root()
        self.namespaces = self._probe()
        if not self.namespaces:
            for path in python_folders():
                for folder in closed_parents(path):
                    print(
                        f"grade.py: letting other users enter {folder} (chmod o+x), on the "
                        "way to Python",
                        file=sys.stderr,
                    )
                    folder.chmod(folder.stat().st_mode | 0o001)

    def close(self):
        shutil.rmtree(self.scratch, ignore_errors=True)
        for lock in self.locks:
            lock.close()

    def take_uid(self):
        with self.lock:
            return self.free.pop()

    def give_uid(self, uid):
        """Take ``uid`` back: kill its processes, then remove what they left outside the sandbox
        (needed without namespaces; with them, a check that costs little)."""
        kill_user(uid)
        clean_user(uid)
        with self.lock:
            self.free.append(uid)

    def command(self, uid, workdir, argv):
        """The command that runs ``argv`` in a sandbox as ``uid``, in ``workdir`` (which holds
        what the sandbox needs: with namespaces, a copy of it is all it may write to)."""
        drop = [
            "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
            "--inh-caps=-all", "--bounding-set=-all", "--",
        ]  # fmt: skip
        if not self.namespaces:
            return [*drop, *argv]
        return [
            "unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--ipc", "--",
            "sh", "-c", self._mount_script(uid, workdir), "sh", *drop, *argv,
        ]  # fmt: skip

    def _prepare_root(self):
        """The parts of a sandbox's root made once: the folder its root is mounted on, and its
        /etc (a user table of the sandboxes' users, and the files of ETC)."""
        (self.scratch / "root").mkdir(mode=0o700)
        etc = self.scratch / "etc"
        etc.mkdir(mode=0o755)
        for name in ETC:
            source = Path("/etc") / name
            if source.is_symlink():
                (etc / name).symlink_to(os.readlink(source))
            elif source.is_dir():
                shutil.copytree(source, etc / name, symlinks=True)
            elif source.is_file():
                shutil.copy(source, etc / name)
        users = [(0, "root", "/root")] + [(uid, f"sandbox{uid}", "/tmp") for uid in self.uids]
        (etc / "passwd").write_text(
            "".join(
                f"{name}:x:{uid}:{uid}::{home}:/usr/sbin/nologin\n" for uid, name, home in users
            )
        )
        (etc / "group").write_text("".join(f"{name}:x:{uid}:\n" for uid, name, _ in users))
        for path in [etc, *etc.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)

    def _mount_script(self, uid, workdir):
        """The shell script, run as root in the new namespaces, that builds the sandbox's root
        and then runs its arguments there.

        The new root is an empty tmpfs, with, read-only: this machine's /usr (and /bin, /sbin,
        /lib*, folders or symlinks into /usr), Python's folders at their own paths, the /etc of
        ``_prepare_root`` and four devices of /dev; a new /proc; and, writable, private tmpfs
        folders of bounded size: the TEMP_FOLDERS and the working folder, into which the
        prepared ``workdir`` is copied. Then the root moves there (``pivot_root``, else
        ``chroot``), and nothing else of this machine's files can be named from inside.
        """
        q = shlex.quote
        work = Path(workdir)

        def tmpfs(mb, mode, at, owner=""):
            options = f"nosuid,nodev,nr_inodes={INODES},size={mb}m,mode={mode}{owner}"
            return f"mount -t tmpfs -o {options} sandbox {at}"

        def bind(source, at):
            return [
                f"mount --bind {q(str(source))} {at}",
                f"mount -o remount,bind,ro,nosuid,nodev {at}",
            ]

        new = q(str(self.scratch / "root"))
        lines = ["set -e", tmpfs(ROOT_MB, "755", new), f"cd {new}"]
        # The writable folders first: what is bound later may lie inside one (a venv in /tmp).
        for folder, mb in TEMP_FOLDERS.items():
            at = q(folder.lstrip("/"))
            lines += [f"mkdir -p {at}", tmpfs(mb, "1777", at)]
        for name in SYSTEM:
            path = Path("/") / name
            if path.is_symlink():
                lines.append(f"ln -s {q(os.readlink(path))} {name}")
            elif path.is_dir():
                lines += [f"mkdir {name}", *bind(path, name)]
        for path in python_folders():
            if not any(path.is_relative_to(Path("/") / name) for name in SYSTEM):
                at = q(str(path).lstrip("/"))
                lines += [f"mkdir -p {at}", *bind(path, at)]
        lines += ["mkdir etc proc", *bind(self.scratch / "etc", "etc")]
        for device in DEVICES:
            lines += [f"touch dev/{device}", f"mount --bind /dev/{device} dev/{device}"]
        for fd, name in enumerate(("stdin", "stdout", "stderr")):
            lines.append(f"ln -s /proc/self/fd/{fd} dev/{name}")
        lines += ["ln -s /proc/self/fd dev/fd", "mount -t proc -o nosuid,nodev,noexec proc proc"]
        at = q(str(work).lstrip("/"))
        lines += [
            f"mkdir -p {at}",
            tmpfs(WORKDIR_MB, "700", at, owner=f",uid={uid},gid={uid}"),
            f"cp -a {q(str(work))}/. {at}/",
            "mkdir .old",
            "mount -o remount,ro .",
            f"if {program('pivot_root')} . .old; then umount -l .old; fi",
            f'exec {program("chroot")} . env --chdir={q(str(work))} "$@"',
        ]
        return "\n".join(lines)

    def _probe(self):
        """Whether this machine lets root use PID, mount, network and IPC namespaces (not every
        container does): try a sandbox that runs ``true``. If it does, Python must start, and
        NumPy import, in the sandbox's root; if they do not, grading stops and says why."""
        if not shutil.which(program("unshare")):
            return False
        self.namespaces = True
        probe = self.scratch / "probe"
        probe.mkdir()
        try:
            if self._try(probe, ["true"]).returncode != 0:
                return False
            python = self._try(probe, [PYTHON, "-I", "-c", "import numpy"])
        finally:
            probe.rmdir()
        if python.returncode != 0:
            self.close()
            raise SystemExit(
                "grade.py: Python does not start in the sandbox's root (its folders are "
                f"{', '.join(map(str, python_folders()))}):\n"
                + python.stdout.decode(errors="replace")[-2000:]
            )
        return True

    def _try(self, workdir, argv):
        uid = self.uids[0]
        return subprocess.run(
            self.command(uid, workdir, argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=workdir, timeout=60,
        )  # fmt: skip


def program(name):
    """Where the program ``name`` is (a system one: /usr/sbin is not on every user's PATH)."""
    return shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin") or name


def python_folders():
    """The folders that Python (this environment and its base installation) lives in, as named
    and as resolved, without those inside another of them."""
    named = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    named.add(os.path.dirname(os.path.dirname(os.path.abspath(sys.executable))))
    named.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    folders = {Path(os.path.abspath(p)) for p in named} | {Path(p).resolve() for p in named}
    folders.discard(Path("/"))
    return sorted(p for p in folders if not any(p != o and p.is_relative_to(o) for o in folders))


def closed_parents(path):
    """The folders above ``path`` that other users may not enter (no o+x)."""
    return [p for p in Path(path).parents if not p.stat().st_mode & 0o001]
