#!/usr/bin/env bash
# The tutor's start-up and memory, measured in a real pseudo-terminal (100x30):
#   - time to first screen: from exec to the course title appearing in the output, and to
#     the exit that CAPLAB_TUTOR_BENCH=first-frame makes right after the first frame;
#   - the same for less(1) opening the first lesson file, as a peer: a full-screen
#     terminal program that reads one file and draws it;
#   - resident memory after walking the whole course (every lesson, every step), read
#     from /proc/PID/status (VmRSS and the peak VmHWM) before quitting.
# A report, no thresholds.
#
#   bench/tutor.sh [RUNS] [COURSE]   (default 30 runs; the bundled course, else the test one)
set -u
cd "$(dirname "$0")/.."
runs=${1:-30}
course=${2:-}
if [ -z "$course" ]; then
    if [ -f lessons/course.json ]; then course=lessons/course.json; else course=tests/data/tutor/course.json; fi
fi
caplab=${CAPLAB_BENCH:-./caplab}
[ -x "$caplab" ] || { echo "build caplab first (make)"; exit 1; }

exec python3 - "$caplab" "$course" "$runs" <<'EOF'
import fcntl, json, os, pty, select, signal, statistics, struct, sys, termios, time

caplab, course, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(course) as f:
    c = json.load(f)
base = os.path.dirname(course)
lessons = [json.load(open(os.path.join(base, p))) for p in c["lessons"]]
title = c["title"].encode()

def spawn(extra_env, argv=None):
    pid, fd = pty.fork()
    if pid == 0:
        env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", **extra_env)
        argv = argv or [caplab, "--course", course]
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    return pid, fd

def read_until(fd, needle, timeout=10.0):
    buf, end = b"", time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            buf += data
            if needle is not None and needle in buf:
                return True
    return needle is None

seen = bytearray()

def drain(fd, seconds):
    end = time.monotonic() + seconds
    while True:
        r, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        if not r:
            return
        try:
            data = os.read(fd, 65536)
        except OSError:
            return
        if not data:
            return
        seen.extend(data[-4096:])
        del seen[:-8192]

first_title, first_exit = [], []
for _ in range(runs):
    t0 = time.monotonic()
    pid, fd = spawn({"CAPLAB_TUTOR_BENCH": "first-frame", "XDG_STATE_HOME": "/tmp/caplab-bench-state"})
    ok = read_until(fd, title)
    t1 = time.monotonic()
    drain(fd, 0.0)
    os.waitpid(pid, 0)
    t2 = time.monotonic()
    os.close(fd)
    if ok:
        first_title.append((t1 - t0) * 1000)
        first_exit.append((t2 - t0) * 1000)

def show(name, xs):
    xs = sorted(xs)
    print(f"{name:34s} median {statistics.median(xs):7.2f} ms   p90 {xs[int(len(xs) * 0.9) - 1]:7.2f} ms   (n={len(xs)})")

print(f"caplab tutor, {course}, {runs} runs in a 100x30 pty ({caplab})")
show("exec -> course title on screen", first_title)
show("exec -> first frame drawn, exited", first_exit)

# Peer: less on the first lesson file, to its first line on screen.
import shutil
less = shutil.which("less")
if less:
    first_file = os.path.join(base, c["lessons"][0])
    with open(first_file, "rb") as f:
        needle = f.readline().strip()[:20] or b"{"
    times = []
    for _ in range(runs):
        t0 = time.monotonic()
        pid, fd = spawn({"LESS": ""}, [less, first_file])
        if read_until(fd, needle):
            times.append((time.monotonic() - t0) * 1000)
        os.write(fd, b"q")
        drain(fd, 0.05)
        os.waitpid(pid, 0)
        os.close(fd)
    if times:
        show("peer: less FILE -> first line", times)

# Walk the whole course, then read the memory.
pid, fd = spawn({"XDG_STATE_HOME": "/tmp/caplab-bench-state"})
read_until(fd, title)
def key(k, pause=0.03):
    os.write(fd, k)
    drain(fd, pause)
steps = 0
key(b"\r")  # n past a lesson's last step opens the next one: the course reads straight through
for l in lessons:
    for s in l["steps"]:
        key(b"G")
        key(b"g")
        key(b"n")
        steps += 1
def status(field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field):
                return line.split(":")[1].strip()
reached = b"last step of the course" in seen
print(f"after walking {len(lessons)} lessons, {steps} steps (end of course reached: {'yes' if reached else 'NO'}): "
      f"VmRSS {status('VmRSS')}, peak VmHWM {status('VmHWM')}")
key(b"Q", 0.3)
os.waitpid(pid, 0)
EOF
