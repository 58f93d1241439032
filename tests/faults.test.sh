#!/usr/bin/env bash
# Load and fault tests: many sandboxes at once, and every way a run can go wrong, must end in
# exact capability sets or a clear error, with nothing left behind (process, mount, network /
# mount / pid namespace, temporary file).
#
#   load       LOAD_ROUNDS (10) rounds of LOAD_SANDBOXES (50) concurrent sandboxes, privileged
#              and rootless mixed, each with its own capability set; figures as TAP comments
#   faults     RLIMIT_NPROC exhausted; the command or the sandbox's init killed mid-run;
#              caplab interrupted; a state directory that is read-only or full; a lesson
#              directory that vanishes or holds a FIFO; TERM=dumb, an unknown TERM or none;
#              the tutor with stdout not a terminal
#
# Leftovers are checked precisely rather than by global counts, so that other programs on
# the machine cannot disturb the result: every sandbox prints the inodes of its own
# namespaces, and after the round none of them may still exist; every command carries a
# marker in its arguments, and no process with it may survive.
set -u
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

C=$CAPLAB
# The load runs the ASan build by default (LOAD_CAPLAB=$CAPLAB_REL for release figures). The
# RLIMIT_NPROC case needs the release build: ASan's leak checker starts a thread at exit,
# which the exhausted limit refuses, turning every exit status into 1.
LOAD_C=${LOAD_CAPLAB:-$C}
REL_C=${CAPLAB_REL:-$C}
export CAPLAB_DATA=${CAPLAB_DATA:-$PWD}
ROOT_OK=0
[ "$(id -u)" -eq 0 ] && ROOT_OK=1
ROUNDS=${LOAD_ROUNDS:-10}
N=${LOAD_SANDBOXES:-50}
marker=caplab-faults-$$
scratch=$(mktemp -d /tmp/caplab-faults.XXXXXX)
chmod 0755 "$scratch"
trap 'rm -rf "$scratch"' EXIT

declare -A CAPNUM
while read -r _ name num; do
    CAPNUM[${name#CAP_}]=$num
done < <(grep -E '^#define CAP_[A-Z_]+[[:space:]]+[0-9]+$' /usr/include/linux/capability.h)
DOCKER_NAMES=(CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP
    NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE)
EXTRA_NAMES=(SYS_PTRACE NET_ADMIN SYS_ADMIN IPC_LOCK SYS_TIME)
DOCKER=0
for n in "${DOCKER_NAMES[@]}"; do DOCKER=$((DOCKER | (1 << CAPNUM[$n]))); done
HOST_BND=$((16#$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)))
hex() { printf '%016x' "$1"; }
field() { awk -v f="$1:" '$1 == f { print $2 }' "$2"; }

# Everything a sandbox could leave behind that we can attribute to this test.
leftover_processes() { pgrep -f "$marker" | wc -l; }
# Namespaces of ours still alive: "TYPE:[INODE] PID" for each process holding one of the
# namespaces listed in file $1 that descends from a process carrying our marker (a sandbox's
# init has it: it is a fork of caplab). Inode numbers are reused, so a namespace with the
# same number held by someone else's process is not ours.
ours() {
    local pid=$1 i
    for ((i = 0; i < 64 && pid > 1; i++)); do
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$marker" && return 0
        pid=$(awk '$1 == "PPid:" { print $2 }' "/proc/$pid/status" 2>/dev/null)
        [ -n "$pid" ] || return 1
    done
    return 1
}
live_namespaces() {
    local link ns pid
    for link in /proc/[0-9]*/ns/net /proc/[0-9]*/ns/mnt /proc/[0-9]*/ns/pid; do
        ns=$(readlink "$link" 2>/dev/null) || continue
        grep -qxF "$ns" "$1" || continue
        pid=${link#/proc/}
        pid=${pid%%/*}
        ours "$pid" && echo "$ns $pid"
    done
}
# Host temporary files: caplab makes none of its own; the sandbox builds its tree in a tmpfs
# on /tmp inside its private mount namespace, so were that tmpfs missing, its layers (root,
# upperN, workN) would show up in the host's /tmp. Sandboxes also run with TMPDIR set to an
# empty directory of ours that must stay empty. (Other names in /tmp are not looked at: other
# programs on the machine may come and go.)
export TMPDIR=$scratch/tmpdir
mkdir -p "$TMPDIR"
chmod 0777 "$TMPDIR"
tmp_entries() {
    find /tmp -maxdepth 1 \( -name root -o -name 'upper[0-9]*' -o -name 'work[0-9]*' \) 2>/dev/null
    find "$TMPDIR" -mindepth 1 2>/dev/null
}
# Processes die asynchronously after a SIGKILL: give them a moment before counting.
settle() {
    local i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        [ "$(leftover_processes)" -eq 0 ] && return
        sleep 0.1
    done
}

# ---- load: N concurrent sandboxes x ROUNDS ---------------------------------------------------
# run_one I DIR: sandbox I of a round, its own set and mode; output in DIR/I.out
run_one() {
    local i=$1 dir=$2 mode=privileged pre=()
    local drop=${DOCKER_NAMES[i % ${#DOCKER_NAMES[@]}]}
    local args=(--cap-drop "$drop")
    local want=$((DOCKER & ~(1 << CAPNUM[$drop])))
    if [ $((i % 3)) = 0 ]; then
        local add=${EXTRA_NAMES[i % ${#EXTRA_NAMES[@]}]}
        args+=(--cap-add "$add")
        want=$((want | (1 << CAPNUM[$add])))
    fi
    if [ $ROOT_OK = 0 ] || [ $((i % 2)) = 1 ]; then
        mode=rootless
        [ $ROOT_OK = 1 ] && pre=(as_nobody)
    fi
    [ $mode = privileged ] && want=$((want & HOST_BND))
    echo "$mode $(hex $want)" >"$dir/$i.want"
    "${pre[@]}" "$LOAD_C" run --mode $mode "${args[@]}" -- sh -c \
        'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status
         for ns in net mnt pid; do echo "ns $(readlink /proc/self/ns/$ns)"; done
         sleep 0.3' "$marker" >"$dir/$i.out" 2>&1
    echo "status $?" >>"$dir/$i.out"
}

mounts_before=$(wc -l </proc/self/mountinfo)
tmp_before=$(tmp_entries)
round_times=()
bad_sets=0 bad_status=0 left_procs=0 left_ns=0 left_mounts=0
set_detail="" ns_detail=""
for ((round = 1; round <= ROUNDS; round++)); do
    dir=$scratch/round$round
    mkdir -p "$dir"
    chmod 0777 "$dir"
    start=$(date +%s.%N)
    for ((i = 0; i < N; i++)); do run_one "$i" "$dir" & done
    wait
    end=$(date +%s.%N)
    round_times+=("$(printf '%.3f' "$(echo "$end - $start" | bc)")")
    settle
    for ((i = 0; i < N; i++)); do
        read -r mode want <"$dir/$i.want"
        out=$dir/$i.out
        got="$(field CapInh "$out")/$(field CapPrm "$out")/$(field CapEff "$out")/$(field CapBnd "$out")/$(field CapAmb "$out")"
        expect="$(hex 0)/$want/$want/$want/$(hex 0)"
        if [ "$got" != "$expect" ]; then
            bad_sets=$((bad_sets + 1))
            set_detail+="round $round sandbox $i ($mode): got $got want $expect"$'\n'
        fi
        grep -q '^status 0$' "$out" || bad_status=$((bad_status + 1))
    done
    left_procs=$((left_procs + $(leftover_processes)))
    awk '$1 == "ns" { print $2 }' "$dir"/*.out | sort -u >"$dir/namespaces"
    still=$(live_namespaces "$dir/namespaces")
    if [ -n "$still" ]; then
        left_ns=$((left_ns + $(echo "$still" | wc -l)))
        ns_detail+="round $round: $still"$'\n'
    fi
    [ "$(wc -l </proc/self/mountinfo)" = "$mounts_before" ] || left_mounts=$((left_mounts + 1))
    echo "# round $round: $N concurrent sandboxes in ${round_times[-1]} s"
done
t_eq "load: $ROUNDS x $N concurrent sandboxes, each with exactly its five sets" "$bad_sets" 0
[ -n "$set_detail" ] && printf '%s' "$set_detail" | head -n 20 | sed 's/^/#   /'
t_eq "load: every sandbox ran to exit status 0" "$bad_status" 0
t_eq "load: no process left after any round" "$left_procs" 0
t_eq "load: no network, mount or pid namespace left after any round" "$left_ns" 0
[ -n "$ns_detail" ] && printf '%s' "$ns_detail" | head -n 10 | sed 's/^/#   /'
t_eq "load: host mount table unchanged after every round" "$left_mounts" 0
t_eq "load: no temporary file left in /tmp, /var/tmp or /dev/shm" "$(tmp_entries)" "$tmp_before"
sorted=$(printf '%s\n' "${round_times[@]}" | sort -n)
min=$(echo "$sorted" | head -n 1)
max=$(echo "$sorted" | tail -n 1)
median=$(echo "$sorted" | sed -n "$(((ROUNDS + 1) / 2))p")
per=$(printf '%.4f' "$(echo "scale=6; $median / $N" | bc)")
echo "# load figures ($LOAD_C, $(nproc) CPUs): round of $N sandboxes min ${min}s median ${median}s max ${max}s; ${per}s per sandbox at the median"

# ---- RLIMIT_NPROC exhausted ------------------------------------------------------------------
if [ $ROOT_OK = 1 ]; then
    for n in 1 2 3; do
        out=$(as_nobody prlimit --nproc=$n "$REL_C" run --mode rootless -- sh -c 'echo ran' "$marker" 2>&1)
        rc=$?
        settle
        if [ $rc = 0 ]; then
            # Enough processes after all (the count is per user): then it simply works.
            t_match "RLIMIT_NPROC=$n: ran normally" "$out" "^ran$"
        else
            t_eq "RLIMIT_NPROC=$n: exit 125 (the sandbox could not be built)" "$rc" 125
            t_match "RLIMIT_NPROC=$n: says which resource ran out" "$out" \
                "^caplab: .*(Resource temporarily unavailable|process)"
        fi
        t_eq "RLIMIT_NPROC=$n: nothing left behind" "$(leftover_processes)" 0
    done
    out=$(as_nobody prlimit --nproc=200 "$REL_C" run --mode rootless -- sh -c 'echo ran' "$marker" 2>&1)
    t_match "RLIMIT_NPROC=200: enough to run" "$out" "^ran$"
fi

# ---- killed mid-run --------------------------------------------------------------------------
nap=31337.$$
"$C" run -- sh -c 'sleep "$1"' "$marker" "$nap" 2>/dev/null &
runner=$!
sleep 0.5
pkill -KILL -xf "sleep $nap"
wait $runner
t_eq "the command killed by SIGKILL: exit 137" "$?" 137
settle
t_eq "the command killed: nothing left" "$(leftover_processes)" 0

"$C" run -- sh -c "sleep 31337 & sleep 31337; true" "$marker" 2>"$scratch/init.err" &
runner=$!
sleep 0.5
init=$(pgrep -P $runner | head -n 1)
[ -n "$init" ] && kill -KILL "$init"
wait $runner
rc=$?
settle
t_eq "the sandbox's init killed: exit 125" "$rc" 125
t_match "the sandbox's init killed: an error, not silence" "$(cat "$scratch/init.err")" "^caplab: "
t_eq "the sandbox's init killed: every process in it gone" "$(leftover_processes)" 0

"$C" run --json -- sh -c 'sleep 31337' "$marker" >"$scratch/int.json" 2>&1 &
runner=$!
sleep 0.5
kill -INT $runner
wait $runner
t_eq "caplab run --json interrupted (SIGINT): exit 130" "$?" 130
settle
t_eq "caplab interrupted: nothing left" "$(leftover_processes)" 0

out=$("$C" run --json -- sh -c 'kill -TERM $$' "$marker")
t_match "the command killed by a signal: --json names it" "$out" '"signal": "TERM"'

# ---- state directory read-only or full ---------------------------------------------------------
quiz=decode-bit-13
if "$C" help answer >/dev/null 2>&1 && "$C" answer "$quiz" >/dev/null 2>&1; then
    state=$scratch/ro-state
    mkdir -p "$state/caplab"
    chmod 0555 "$state/caplab" "$state"
    out=$(as_nobody env XDG_STATE_HOME="$state" CAPLAB_DATA="$CAPLAB_DATA" "$C" answer "$quiz" NET_RAW 2>&1)
    rc=$?
    t_eq "read-only state directory: the answer is still graded (exit 0)" "$rc" 0
    t_match "read-only state directory: a warning says progress was not saved" "$out" \
        "caplab: warning: progress not saved: .*Permission denied"
    t_eq "read-only state directory: nothing written" "$(ls -A "$state/caplab")" ""
    chmod 0755 "$state/caplab" "$state"

    if [ $ROOT_OK = 1 ] && command -v unshare >/dev/null; then
        # A full file system, in a private mount namespace (the host's mounts are not touched).
        full=$scratch/full-state
        mkdir -p "$full"
        unshare -m --propagation private sh -c '
            mount -t tmpfs -o size=16k caplab-full "$1" || exit 99
            XDG_STATE_HOME=$1 "$2" answer "$3" NET_RAW >/dev/null 2>&1
            md5sum <"$1/caplab/progress.json" >"$4/before"
            dd if=/dev/zero of="$1/fill" bs=1k count=64 2>/dev/null
            XDG_STATE_HOME=$1 "$2" answer docker-default-count a >"$4/out" 2>&1
            echo $? >"$4/rc"
            md5sum <"$1/caplab/progress.json" >"$4/after"
            ls -A "$1/caplab" >"$4/files"' sh "$full" "$C" "$quiz" "$scratch"
        t_match "full state directory: a warning says why progress was not saved" \
            "$(cat "$scratch/out")" "caplab: warning: progress not saved: .*No space left on device"
        t_eq "full state directory: the previous progress file is intact" \
            "$(cat "$scratch/after")" "$(cat "$scratch/before")"
        t_eq "full state directory: no temporary file left" "$(tr '\n' ' ' <"$scratch/files")" \
            "progress.json progress.lock "
    fi
fi

# ---- lesson directories that vanish or hold something strange -----------------------------------
gone=$scratch/lessons-gone
mkdir -p "$gone"
cp tests/data/lessons/valid/sample.json "$gone/"
rm -rf "$gone"
out=$("$C" lint "$gone" 2>&1)
t_eq "lint on a removed directory: exit 1" "$?" 1
t_match "lint on a removed directory: names it and the cause" "$out" "$gone.*No such file or directory"
out=$(CAPLAB_DATA=$gone "$C" lint 2>&1)
rc=$?
t_match "lint with the data directory removed: a clear error (exit $rc)" "$out" "^caplab: |No such file"
t_eq "lint with the data directory removed: exit 1 or 2" "$((rc == 1 || rc == 2))" 1

course=$scratch/course
mkdir -p "$course"
cp tests/data/lessons/valid/course.json tests/data/lessons/valid/sample.json "$course/"
cp -r tests/data/lessons/valid/second "$course/" 2>/dev/null
rm -f "$course/sample.json"
out=$("$C" lint "$course/course.json" 2>&1)
t_eq "a course whose lesson file vanished: exit 1" "$?" 1
t_match "a course whose lesson file vanished: names the file" "$out" "sample.json.*No such file"

fifo=$scratch/fifo
mkdir -p "$fifo"
mkfifo "$fifo/x.json" "$fifo/course.json"
out=$(timeout 20 "$C" lint "$fifo" 2>&1)
rc=$?
t_eq "lint on a directory holding FIFOs does not hang: exit 1" "$rc" 1
t_match "lint names a FIFO as not a regular file" "$out" "x.json: cannot read the file: not a regular file"
out=$(timeout 20 "$C" lint "$fifo/x.json" 2>&1)
t_eq "lint on a FIFO itself does not hang: exit 1" "$?" 1

if "$C" help report >/dev/null 2>&1; then
    mkfifo "$fifo/record.json"
    out=$(timeout 20 "$C" report "$fifo/record.json" 2>&1)
    t_eq "report on a FIFO does not hang" "$(($? != 124))" 1
    t_match "report names the FIFO as a problem" "$out" "record.json"
fi

# ---- device nodes ----------------------------------------------------------------------------
# MKNOD is one of Docker's defaults: root may create device nodes (lesson 8 shows it), but
# opening one must fail everywhere it can be made, or the host's disk would be one mknod
# away (the node for /dev/null stands in for the disk: the result is the same for both).
if [ $ROOT_OK = 1 ]; then
    out=$("$C" run -- sh -c 'for d in / /root /dev /var /tmp /run; do
            mknod "$d/caplab-node" c 1 3 && { echo x >"$d/caplab-node" && echo "OPENED $d"; }
        done 2>/dev/null; echo x >/dev/null && echo "DEVNULL OK"' "$marker")
    t_eq "a device node made inside cannot be opened (nodev everywhere)" \
        "$(echo "$out" | grep -c OPENED)" 0
    t_match "the sandbox's own /dev/null still works" "$out" "DEVNULL OK"
fi

# ---- descriptors inherited from caplab's caller -------------------------------------------------
# An open descriptor naming a host directory would let the command write outside its root
# through /proc/self/fd/N (or pid 1's /proc/1/fd/N), whatever its capabilities.
if [ $ROOT_OK = 1 ]; then
    hostdir=$scratch/host-dir
    mkdir -p "$hostdir"
    out=$("$C" run --cap-drop ALL -- sh -c 'ls /proc/self/fd /proc/1/fd | tr "\n" " "
        for p in /proc/self/fd/8 /proc/1/fd/8; do (cd "$p" && touch escaped) 2>/dev/null; done
        true' "$marker" 8<"$hostdir" 9</etc/hostname)
    t_eq "descriptors inherited by caplab stay outside the sandbox" \
        "$(echo "$out" | tr ' ' '\n' | grep -cxE '8|9')" 0
    t_eq "a host directory passed as a descriptor cannot be written" "$(ls -A "$hostdir")" ""
fi

# ---- terminals ---------------------------------------------------------------------------------
for term in dumb caplab-no-such-terminal ""; do
    if [ -n "$term" ]; then env_term=(TERM="$term"); else env_term=(-u TERM); fi
    out=$(printf 'echo hi-$((40+2)); exit 3\n' |
        env "${env_term[@]}" timeout 20 "$C" run --cap-drop NET_RAW 2>&1)
    rc=$?
    t_eq "interactive sandbox shell with TERM=${term:-(unset)} and no terminal: exit status kept" "$rc" 3
    t_match "interactive sandbox shell with TERM=${term:-(unset)}: commands run" "$out" "hi-42"
done
if "$C" help tutor >/dev/null 2>&1; then
    for term in xterm dumb caplab-no-such-terminal; do
        out=$(TERM=$term timeout 20 "$C" </dev/null 2>&1)
        rc=$?
        t_eq "tutor with stdout not a terminal (TERM=$term): ends at once with an error" \
            "$((rc != 0 && rc != 124))" 1
        t_match "tutor with stdout not a terminal (TERM=$term): names the non-interactive commands" \
            "$out" "caplab (lint|run|answer)"
    done
fi

settle
t_eq "no process of this test left at the end" "$(leftover_processes)" 0
t_eq "host mount table unchanged at the end" "$(wc -l </proc/self/mountinfo)" "$mounts_before"
t_done
