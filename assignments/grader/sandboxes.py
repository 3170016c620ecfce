"""How a sandbox starts here: an unprivileged user of its own, limits and, where Linux allows
it, new namespaces."""

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

from .users import become_reaper, kill_user

# The sandboxes' users: numeric ids without a name, one per submission graded at once, taken
# from this range under a lock file each, so that two gradings at once never share one.
UID_BASE, UID_COUNT = 61000, 1000
LOCKS = Path(tempfile.gettempdir()) / "convlib-grade-uids"


class Sandboxes:
    """How to start a sandbox here, and the users that sandboxes run as."""

    def __init__(self, jobs, memory_mb, cell_timeout, hide, scratch):
        if os.geteuid() != 0:
            raise SystemExit(
                "grade.py runs each submission as another, unprivileged user, which needs root: "
                "run it with sudo (Gradescope runs the autograder as root)"
            )
        for tool in ("setpriv",):
            if not shutil.which(tool):
                raise SystemExit(f"grade.py needs {tool} (Debian package util-linux)")
        become_reaper()
        self.locks, self.uids = [], []
        LOCKS.mkdir(mode=0o700, exist_ok=True)
        for uid in range(UID_BASE, UID_BASE + UID_COUNT):
            if len(self.uids) == max(1, jobs):
                break
            with contextlib.suppress(KeyError):
                pwd.getpwuid(uid)
                continue  # a user of this machine: not ours to use
            lock = open(LOCKS / str(uid), "w")  # noqa: SIM115 (held until close())
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # another grading uses it
                lock.close()
                continue
            self.locks.append(lock)
            self.uids.append(uid)
            kill_user(uid)  # whatever a grading that crashed left behind
        if len(self.uids) < max(1, jobs):
            raise SystemExit(f"no free user ids in {UID_BASE}..{UID_BASE + UID_COUNT - 1}")
        self.free = list(self.uids)
        self.lock = threading.Lock()
        self.memory_mb, self.cell_timeout = memory_mb, cell_timeout
        self.scratch = Path(tempfile.mkdtemp(prefix="grade-", dir=scratch))
        self.scratch.chmod(0o711)  # the sandboxes pass through to their own folders
        self.hide = [Path(p) for p in hide if Path(p).exists()]
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
        kill_user(uid)
        with self.lock:
            self.free.append(uid)

    def command(self, uid, workdir, argv):
        drop = [
            "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
            "--inh-caps=-all", "--bounding-set=-all", "--",
        ]  # fmt: skip
        if not self.namespaces:
            return [*drop, *argv]
        return [
            "unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--",
            "sh", "-c", self._mount_script(workdir), "sh", *drop, *argv,
        ]  # fmt: skip

    def _mount_script(self, workdir):
        """Hide the grader's folders (tmpfs over them) and /tmp, keeping Python and ``workdir``.

        A folder on the way to Python that other users cannot enter (e.g. /root, for a Python
        installed there) is replaced by an empty one they can, with Python bound back inside.
        """
        keep = [Path(workdir), *python_folders()]
        hide = {*self.hide, Path("/tmp"), Path("/dev/shm")}
        hide |= {p for path in keep for p in closed_parents(path)}
        hide = {
            p for p in hide if p.is_dir() and not any(p.is_relative_to(h) and p != h for h in hide)
        }
        q = shlex.quote
        lines = ["set -e", "mount -t tmpfs -o size=1m,mode=700 keep /mnt"]
        for i, path in enumerate(keep):
            lines += [f"mkdir /mnt/{i}", f"mount --bind {q(str(path))} /mnt/{i}"]
        for path in sorted(hide):
            mode = "1777" if path in (Path("/tmp"), Path("/dev/shm")) else "755"
            lines.append(f"mount -t tmpfs -o size=64m,mode={mode} hidden {q(str(path))}")
        for i, path in enumerate(keep):
            lines += [f"mkdir -p {q(str(path))}", f"mount --bind /mnt/{i} {q(str(path))}"]
        lines += ["umount -R /mnt", 'exec "$@"']
        return "\n".join(lines)

    def _probe(self):
        """Whether this machine lets root use PID, mount and network namespaces (not every
        container does): try a sandbox that runs ``true``."""
        if not shutil.which("unshare"):
            return False
        self.namespaces = True
        probe = self.scratch / "probe"
        probe.mkdir()
        result = subprocess.run(
            self.command(self.uids[0], probe, ["true"]), capture_output=True, timeout=60
        )
        probe.rmdir()
        return result.returncode == 0


def python_folders():
    """The folders that Python (this environment and its base installation) lives in."""
    folders = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    folders.add(Path(os.path.realpath(sys.executable)).parent.parent)
    return sorted(folders)


def closed_parents(path):
    """The folders above ``path`` that other users may not enter (no o+x)."""
    return [p for p in Path(path).parents if not p.stat().st_mode & 0o001]
