"""The sandboxes' isolation: nothing a submission leaves outlives its question, no submission can
fill the disk under another, and a sandbox sees only what it needs (Python, NumPy, the kit).

The assignment is built once; honest submissions (the solutions) are graded in one run, two at a
time, before, between and after hostile ones that make System V IPC objects, write files in
every writable place, fill those places, and look for another copy of the repository. Each
hostile submission answers correctly unless its attack worked, so its score says what it
managed, and it prints what it saw into its logs. Then nothing of theirs may be left: no process,
no IPC object, no file, no lost disk space. Without namespaces (setpriv and limits only), the
cleaning that runs after each question is tested on its own. The suite needs root.
"""

import ast
import csv
import fcntl
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from grading_notebooks import submission
from needs import root_or_skip

pytestmark = pytest.mark.slow  # left out of `make unit`

REPO = Path(__file__).resolve().parents[2]
GRADE = REPO / "assignments" / "grade.py"
POINTS = {"q1": 2.0, "q2": 2.0, "q3": 4.0, "q4": 2.0}
SANDBOX_UIDS = range(61000, 62000)
LIMITS = ("--call-timeout", "3", "--cell-timeout", "20", "--timeout", "120")
SHARED = ("/tmp", "/var/tmp", "/run/lock", "/dev/shm")
MIB = 1 << 20

root_or_skip("the grading isolation tests")

sys.path.insert(0, str(REPO / "assignments"))
from grader.sandboxes import LOCKS, TEMP_FOLDERS, WORKDIR_MB, Sandboxes, python_folders  # noqa: E402
from grader.users import clean_user  # noqa: E402

# conv2d (which grad_w and grad_x_flip call) is right only if the attack in the cell before it
# found nothing: ``penalty`` counts what it found.
CONV2D = """
def conv2d(x, w):
    H, W = x.shape
    k1, k2 = w.shape
    y = np.zeros((H - k1 + 1, W - k2 + 1))
    for r in range(y.shape[0]):
        for c in range(y.shape[1]):
            y[r, c] = np.sum(x[r : r + k1, c : c + k2] * w)
    return y * (1 + penalty)
"""
GRAD_W = """
def grad_w(x, dy):
    return conv2d(x, dy)
"""
GRAD_X = """
def grad_x(dy, w):
    N1, N2 = dy.shape
    k1, k2 = w.shape
    dx = np.zeros((N1 + k1 - 1, N2 + k2 - 1)) * (1 + penalty)
    for r in range(N1):
        for c in range(N2):
            dx[r : r + k1, c : c + k2] += dy[r, c] * w
    return dx
"""
GRAD_X_FLIP = """
def grad_x_flip(dy, w):
    k1, k2 = w.shape
    return conv2d(np.pad(dy, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1))), convlib.flip(w))
"""
ANSWERS = {"q1": CONV2D, "q2": GRAD_W, "q3": GRAD_X, "q4": GRAD_X_FLIP}

# System V shared memory, semaphores and a message queue, under a key and without one. An
# object under the key that is there already was left by an earlier sandbox.
MAKES_IPC = """
import ctypes, platform
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
KEY, CREATE = 0x5EED, 0o1666
penalty = 0
penalty += libc.shmget(KEY, 0, 0) >= 0
penalty += libc.semget(KEY, 0, 0) >= 0
penalty += libc.msgget(KEY, 0) >= 0
made = [libc.shmget(KEY, 1 << 20, CREATE), libc.semget(KEY, 4, CREATE), libc.msgget(KEY, CREATE)]
made += [libc.shmget(0, 1 << 20, CREATE), libc.semget(0, 1, CREATE), libc.msgget(0, CREATE)]
libc.shmat(made[0], None, 0)
# A kernel key in the user's keyring, which outlives the user's processes.
calls = {"x86_64": (248, 249), "aarch64": (217, 218)}.get(platform.machine())
if calls:
    penalty += libc.syscall(calls[1], b"user", b"left-by-a-sandbox", None, 0) >= 0
    print("key made", libc.syscall(calls[0], b"user", b"left-by-a-sandbox", b"x", 1, -4))
print("ipc made", made, "left by others", penalty)
"""

# A file and a folder with a file in it, in each writable place; those of an earlier sandbox
# would be seen.
WRITES_FILES = """
import os
penalty = 0
places = ["/tmp", "/var/tmp", "/run/lock", "/dev/shm", os.getcwd()]
for place in places:
    try:
        penalty += sum(n.startswith("left-by-a-sandbox") for n in os.listdir(place))
    except OSError:
        pass
written = []
for place in places:
    try:
        with open(os.path.join(place, "left-by-a-sandbox"), "w") as f:
            f.write("x")
        os.makedirs(os.path.join(place, "left-by-a-sandbox-folder", "sub"))
        with open(os.path.join(place, "left-by-a-sandbox-folder", "sub", "file"), "w") as f:
            f.write("x")
        written.append(place)
    except OSError as err:
        print(place, err)
print("files written in", len(written), "places; seen", penalty)
"""

# Files of 16 MiB (the limit of one file) in each writable place, until the place is full, up to
# 256 MiB a place, more than any place may hold.
FILLS_DISK = """
import os
penalty = 0
chunk = b"x" * (1 << 20)
filled = {}
for place in ["/tmp", "/var/tmp", "/run/lock", "/dev/shm", os.getcwd()]:
    mib = 0
    try:
        for i in range(16):
            with open(os.path.join(place, f"fill-{i}"), "wb", buffering=0) as f:
                for _ in range(16):
                    f.write(chunk)
                    mib += 1
    except OSError:
        pass
    filled[place] = mib
    penalty += mib >= 256
print("filled", filled)
# Which file system each place is on: the longest mount point that holds it.
mounts = [line.split()[1] for line in open("/proc/self/mounts")]
types = {line.split()[1]: line.split()[2] for line in open("/proc/self/mounts")}
def on(place):
    point = max((m for m in mounts if place == m or place.startswith(m.rstrip("/") + "/")), key=len)
    return types[point]
print("types", {place: on(place) for place in filled})
"""

# Reads the hidden tests and solutions of every copy it knows of, and looks for others.
READS_OTHER_COPIES = """
import os
secrets = {secrets}
read = []
for path in secrets:
    try:
        with open(path, "rb") as f:
            read.append((path, len(f.read(100))))
    except OSError:
        pass
found = []
skip = {skip}
for folder, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if os.path.join(folder, d) not in skip]
    found += [os.path.join(folder, n) for n in files
              if n in ("questions.py", "master.ipynb", "reference.py", "grade.py")]
penalty = len(read) + len(found)
print("read", len(read), read)
print("found", len(found), found)
print("top", sorted(os.listdir("/")))
for folder in ("/work", "/home", "/opt", "/srv", "/var", "/root", "/mnt"):
    try:
        print("list", folder, sorted(os.listdir(folder)))
    except OSError as err:
        print("list", folder, type(err).__name__)
"""


def sandbox_processes(uids=SANDBOX_UIDS):
    """(uid, command line) of the processes of the sandboxes' users, zombies included."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            uid = next(
                int(line.split()[1])
                for line in (entry / "status").read_text().splitlines()
                if line.startswith("Uid:")
            )
            if uid in uids:
                found.append((uid, (entry / "cmdline").read_bytes().replace(b"\0", b" ")))
        except (OSError, StopIteration):
            continue
    return found


def sandbox_ipc(uids=SANDBOX_UIDS):
    """(uid, (kind, id)) of the System V IPC objects that the sandboxes' users own or made."""
    found = []
    for kind in ("shm", "sem", "msg"):
        header, *rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        names = header.split()
        for row in rows:
            fields = dict(zip(names, row.split(), strict=False))
            for uid in {int(fields["uid"]), int(fields["cuid"])} & set(uids):
                found.append((uid, (kind, fields[names[1]])))
    return found


def sandbox_files(folders=SHARED, uids=SANDBOX_UIDS):
    """(uid, path) of the files and folders in ``folders`` that the sandboxes' users own,
    except in the scratch folders (grade-*) of gradings that may run at this moment."""
    found = []
    for top in folders:
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if not d.startswith("grade-")]
            for name in dirs + files:
                path = os.path.join(folder, name)
                try:
                    uid = os.lstat(path).st_uid
                except OSError:
                    continue
                if uid in uids:
                    found.append((uid, path))
    return found


def left_over(found):
    """What of ``found`` (pairs of a user id and a thing) belongs to user ids that no grading
    holds at this moment: others may grade on this machine meanwhile, with user ids of their
    own, and their sandboxes' things are theirs until they end."""
    idle = {}
    for uid, _ in found:
        if uid not in idle:
            with open(LOCKS / str(uid), "a") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    idle[uid] = True
                except BlockingIOError:
                    idle[uid] = False
    return [thing for uid, thing in found if idle[uid]]


def log(out, name, question="q1"):
    return (out / name / f"{question}.log").read_text()


@pytest.fixture(scope="module")
def namespaces():
    """Whether the sandboxes here have namespaces (the probe of grade.py)."""
    boxes = Sandboxes(1, 2048, 60)
    try:
        return boxes.namespaces
    finally:
        boxes.close()


@pytest.fixture(scope="module")
def other_copies(built):
    """World-readable copies of the hidden tests, the reference loops and the solutions, in
    /var/tmp and /opt, as another copy of the repository on the machine would be."""
    folders, files = [], []
    try:
        for base in ("/var/tmp", "/opt"):
            if not Path(base).is_dir():
                continue
            folder = Path(tempfile.mkdtemp(prefix="other-copy-", dir=base))
            folders.append(folder)
            folder.chmod(0o755)
            for source in (
                REPO / "assignments" / "conv_backprop" / "questions.py",
                REPO / "convlib" / "reference.py",
                built["solutions"],
            ):
                files.append(folder / source.name)
                shutil.copy(source, files[-1])
                files[-1].chmod(0o644)
        yield files
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def graded(built, other_copies, namespaces, tmp_path_factory):
    """Bystanders (the solutions) and hostile submissions, graded together, two at a time."""
    folder = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("graded")
    bystanders = []
    for number in (1, 2, 3):
        bystanders.append(folder / f"bystander_{number}.ipynb")
        shutil.copy(built["solutions"], bystanders[-1])
    # The copies made for this test, this repository and the checkouts beside it, the build.
    secrets = [*other_copies, built["solutions"], built["zip"]]
    for path in (
        "assignments/conv_backprop/questions.py",
        "assignments/conv_backprop/master.ipynb",
        "convlib/reference.py",
    ):
        secrets += [REPO / path, *REPO.parent.glob(f"*/{path}")]
    secrets = sorted({str(path) for path in secrets})
    prefixes = {sys.prefix, sys.base_prefix, os.path.realpath(sys.prefix)}
    skip = ["/usr", "/proc", *prefixes, *map(os.path.realpath, prefixes)]
    hostile = [
        submission(built, folder, "makes_ipc", MAKES_IPC, **ANSWERS),
        submission(built, folder, "writes_files", WRITES_FILES, **ANSWERS),
        submission(built, folder, "makes_ipc_again", MAKES_IPC, **ANSWERS),
    ]
    if namespaces:  # without them, these would fill this machine's disk, and read the copies
        hostile += [
            submission(built, folder, "fills_disk", FILLS_DISK, **ANSWERS),
            submission(
                built,
                folder,
                "reads_other_copies",
                READS_OTHER_COPIES.format(secrets=secrets, skip=skip),
                **ANSWERS,
            ),
        ]
    subs = [bystanders[0], *hostile[:3], bystanders[1], *hostile[3:], bystanders[2]]
    command = [sys.executable, GRADE, *subs, "--autograder", built["zip"], "--out", out,
               "--jobs", "2", *LIMITS]  # fmt: skip
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        grading = subprocess.Popen(command, stdout=stdout, stderr=stderr, text=True)
        start = time.monotonic()
        while grading.poll() is None and time.monotonic() < start + 900:
            time.sleep(0.1)
        grading.kill()
        returncode = grading.wait()
        stdout.seek(0)
        stderr.seek(0)
        result = subprocess.CompletedProcess(command, returncode, stdout.read(), stderr.read())
    assert (out / "summary.csv").is_file(), result.stdout + result.stderr
    with open(out / "summary.csv") as f:
        rows = {Path(row["submission"]).stem: row for row in csv.DictReader(f)}
    return {
        "out": out,
        "rows": rows,
        "result": result,
        "processes": left_over(sandbox_processes()),
        "ipc": left_over(sandbox_ipc()),
        "files": left_over(sandbox_files()),
    }


def full_marks(graded, name):
    row = graded["rows"][name]
    report = (graded["out"] / name / "report.txt").read_text()
    assert row["status"] == "ok", report
    assert {q: float(row[q]) for q in POINTS} == POINTS, report


# ---------------------------------------------------------------- graded together


def test_bystanders_get_full_marks(graded):
    assert graded["result"].returncode == 0, graded["result"].stderr
    for number in (1, 2, 3):
        full_marks(graded, f"bystander_{number}")


def test_no_process_of_a_sandbox_survives(graded):
    assert graded["processes"] == []
    assert left_over(sandbox_processes()) == []


def test_no_system_v_ipc_object_outlives_its_question(graded):
    # ctypes breaks the loops rules (q1, q3, q4 are not run): q2 runs the attack, in each of two
    # submissions, and neither sees what the other made.
    for name in ("makes_ipc", "makes_ipc_again"):
        row = graded["rows"][name]
        assert {q: float(row[q]) for q in POINTS} == {**dict.fromkeys(POINTS, 0.0), "q2": 2.0}
        text = log(graded["out"], name, "q2")
        made = re.search(r"ipc made \[(.*)\] left by others 0", text)
        assert made and all(int(n) >= 0 for n in made[1].split(",")), text
    assert graded["ipc"] == []


def test_no_file_outlives_its_question(graded):
    full_marks(graded, "writes_files")  # no question saw those of the one before
    for question in POINTS:
        text = log(graded["out"], "writes_files", question)
        assert "files written in 5 places; seen 0" in text, text
    assert graded["files"] == []


def test_filling_the_disk_stops_at_each_folders_limit(graded, namespaces):
    if not namespaces:
        pytest.skip("no namespaces here: a sandbox's writable folders are this machine's")
    full_marks(graded, "fills_disk")
    limits = {**TEMP_FOLDERS, "work": WORKDIR_MB}
    for question in POINTS:
        text = log(graded["out"], "fills_disk", question)
        filled = ast.literal_eval(re.search(r"filled (\{.*\})", text)[1])
        assert len(filled) == 5, text
        for place, mib in filled.items():
            limit = limits.get(place, limits["work"])
            assert limit - 16 <= mib <= limit, (place, text)


def test_every_writable_place_is_a_private_tmpfs(graded, namespaces):
    # What a sandbox writes goes to memory of bounded size, never to this machine's disk (whose
    # free space other work on the machine changes too much to be measured here).
    if not namespaces:
        pytest.skip("no namespaces here: a sandbox's writable folders are this machine's")
    for question in POINTS:
        text = log(graded["out"], "fills_disk", question)
        types = ast.literal_eval(re.search(r"types (\{.*\})", text)[1])
        assert len(types) == 5 and set(types.values()) == {"tmpfs"}, text


def test_other_copies_of_the_repository_cannot_be_read(graded, namespaces):
    if not namespaces:
        pytest.skip("no namespaces here: a sandbox reads what other users may read")
    full_marks(graded, "reads_other_copies")
    text = log(graded["out"], "reads_other_copies")
    assert "read 0 []" in text and "found 0 []" in text, text
    # Only the folders of the sandbox's root, and those on the way to Python's folders.
    python = {part for folder in python_folders() for part in folder.parts[1:]}
    system = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "dev", "proc"}
    top = set(ast.literal_eval(re.search(r"top (\[.*\])", text)[1]))
    assert top <= system | python | {"tmp", "var", "run", ".old"}, top
    for folder, listing in re.findall(r"list (\S+) (\[.*\])", text):
        assert set(ast.literal_eval(listing)) <= python | {"tmp"}, (folder, listing)


# ---------------------------------------------------------------- one sandbox at a time

# As the sandbox's user: IPC objects, files in every shared place, a process that stays.
LEAVES_EVERYTHING = """
set -e
ipcmk -M 4096 && ipcmk -S 2 && ipcmk -Q && echo made
for place in /tmp /var/tmp /run/lock /dev/shm; do
    mkdir -p "$place/left-by-$1/sub"
    echo x > "$place/left-by-$1/sub/file"
    echo x > "$place/left-by-$1-file"
    ln -sf /etc/hostname "$place/left-by-$1-link"
done
echo x > "$2/left-by-$1-shared-file"
setsid sleep 600 < /dev/null > /dev/null 2>&1 &
echo done
"""


@pytest.fixture
def boxes(tmp_path):
    boxes = Sandboxes(1, 2048, 60)
    yield boxes
    boxes.close()


def in_sandbox(boxes, uid, script, *args, python=False):
    """Run the shell ``script`` (or the Python code, with ``python``) as a sandbox would
    (boxes.command), as ``uid``, in a working folder as the grader makes one."""
    workdir = Path(tempfile.mkdtemp(dir=boxes.scratch))
    os.chown(workdir, uid, uid)
    workdir.chmod(0o700)
    argv = [sys.executable, "-I", "-c", script] if python else ["sh", "-c", script, "sh"]
    argv += map(str, args)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": str(workdir)}
    env |= {"LANG": "C.UTF-8", "MPLCONFIGDIR": str(workdir)}
    return subprocess.run(
        boxes.command(uid, workdir, argv), cwd=workdir, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


@pytest.fixture
def world_writable():
    """A root-owned folder that every user may write to (as /tmp), with root's file in it."""
    folder = Path(tempfile.mkdtemp(prefix="shared-", dir="/var/tmp"))
    folder.chmod(0o1777)
    (folder / "roots-file").write_text("root's")
    yield folder
    shutil.rmtree(folder)


def test_without_namespaces_what_a_sandbox_leaves_is_removed(boxes, world_writable):
    boxes.namespaces = False  # the fallback: setpriv and limits only
    uid = boxes.take_uid()
    result = in_sandbox(boxes, uid, LEAVES_EVERYTHING, uid, world_writable)
    assert result.stdout.endswith("made\ndone\n"), result.stdout + result.stderr
    assert len(sandbox_ipc([uid])) == 3 and sandbox_processes([uid])
    assert len(sandbox_files(uids=[uid])) == 4 * 5 + 1
    boxes.give_uid(uid)  # kill_user, then clean_user
    assert sandbox_ipc([uid]) == [] and sandbox_files(uids=[uid]) == []
    assert not [p for _, p in sandbox_processes([uid]) if b"sleep 600" in p]
    assert (world_writable / "roots-file").read_text() == "root's"
    assert Path("/etc/hostname").exists()


# Run by root as ``uid``: add a kernel key to its user keyring (with "add"), then say whether
# the key is there.
USER_KEY = """
import ctypes, os, platform, sys
uid = int(sys.argv[1])
os.setgroups([])
os.setresgid(uid, uid, uid)
os.setresuid(uid, uid, uid)
add_key, request_key = {"x86_64": (248, 249), "aarch64": (217, 218)}[platform.machine()]
libc = ctypes.CDLL(None, use_errno=True)
if sys.argv[2] == "add":
    libc.syscall(add_key, b"user", b"left-by-a-sandbox", b"x", 1, -4)
print(libc.syscall(request_key, b"user", b"left-by-a-sandbox", None, 0) >= 0)
"""


def user_key(uid, add=False):
    """Whether ``uid`` has the key of USER_KEY, after adding it if ``add``."""
    argv = [sys.executable, "-I", "-S", "-c", USER_KEY, str(uid), "add" if add else "find"]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout == "True\n"


def test_clean_user_removes_only_that_users_things(boxes, world_writable):
    uid = boxes.take_uid()
    keys = platform.machine() in ("x86_64", "aarch64") and user_key(uid, add=True)
    script = "ipcmk -M 4096 >/dev/null && echo x > $1/theirs && mkdir $1/their-folder && echo done"
    made = subprocess.run(
        ["sh", "-c", script, "sh", world_writable], user=uid, group=uid, extra_groups=[],
        cwd="/", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.stdout.strip() == "done", made.stderr
    (world_writable / "their-folder" / "roots-file").write_text("root's, in theirs")
    assert len(sandbox_ipc([uid])) == 1
    clean_user(uid)
    assert sandbox_ipc([uid]) == []
    assert not (keys and user_key(uid))
    assert sorted(p.name for p in world_writable.iterdir()) == ["roots-file"]
    boxes.give_uid(uid)


def test_with_namespaces_a_sandbox_writes_nothing_outside(boxes, world_writable):
    if not boxes.namespaces:
        pytest.skip("no namespaces here")
    uid = boxes.take_uid()
    result = in_sandbox(boxes, uid, LEAVES_EVERYTHING, uid, world_writable)
    # The shared folder of this machine is not there: the script stops at its last write.
    assert result.returncode != 0 and "left-by" in result.stderr, result.stderr
    assert sandbox_ipc([uid]) == [] and sandbox_files(uids=[uid]) == []
    assert sorted(p.name for p in world_writable.iterdir()) == ["roots-file"]
    boxes.give_uid(uid)


# What a student may do in a notebook: NumPy, Matplotlib (its cache in the working folder).
PLOTS = """
import os, sys
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
plt.plot(np.arange(3))
plt.savefig("figure.png")
print(sys.flags.isolated, os.getcwd() == os.environ["HOME"], sorted(os.listdir(".")))
"""


def test_python_numpy_and_matplotlib_work_in_the_sandboxs_root(boxes):
    if not boxes.namespaces:
        pytest.skip("no namespaces here")
    uid = boxes.take_uid()
    result = in_sandbox(boxes, uid, PLOTS, python=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("1 True ["), result.stdout
    assert "'figure.png'" in result.stdout, result.stdout
    boxes.give_uid(uid)
