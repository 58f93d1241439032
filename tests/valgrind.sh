#!/usr/bin/env bash
# `make valgrind`: the unit tests and a scripted walk through the CLI under memcheck, built
# without ASan (build/vg/). Passes only with zero memcheck errors and zero definite leaks in
# every process valgrind watched: caplab itself and the sandbox's own processes before they
# exec (init, the command before execve); the commands run in sandboxes are not traced
# (--trace-children=no): they are other programs.
#
# Every process of a step logs to build/vg/logs/NAME through one inherited descriptor
# (--log-fd: a per-pid --log-file cannot be created once the sandbox has pivoted into its
# own root, and the command's process would go unwatched). With -q a clean process writes
# nothing, so a non-empty log is a failure. Valgrind's exit code for errors is 99, to keep
# it apart from caplab's own statuses (1 = a negative result, 2 = usage, ...).
# TAP output; ends non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
root=$PWD
. tests/lib.sh

VG_EXIT=99
logs=build/vg/logs
rm -rf "$logs"
mkdir -p "$logs"
VG=(valgrind -q --error-exitcode=$VG_EXIT --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --trace-children=no --child-silent-after-fork=no
    --suppressions="$root/tests/valgrind.supp" --log-fd=9)

# vg_step NAME EXPECTED_STATUS [as_nobody] CMD...: run CMD under memcheck (as nobody when
# asked), check its exit status and that memcheck reported nothing.
vg_step() {
    local name=$1 want=$2
    shift 2
    local pre=()
    if [ "$1" = as_nobody ]; then
        pre=(as_nobody)
        shift
    fi
    local log=$logs/$name out rc
    out=$("${pre[@]}" "${VG[@]}" "$@" 2>&1 </dev/null 9>>"$log")
    rc=$?
    if [ -s "$log" ]; then
        t_fail "memcheck clean: $name" "$(head -n 60 "$log")"
    elif [ "$rc" != "$want" ]; then
        t_fail "memcheck clean: $name (exit $rc, expected $want)" "$out"
    else
        t_ok "memcheck clean: $name"
    fi
}

export CMOCKA_MESSAGE_OUTPUT=TAP CAPLAB_DATA="$root"
export XDG_STATE_HOME
XDG_STATE_HOME=$(mktemp -d /tmp/caplab-vg-state.XXXXXX)
chmod 0777 "$XDG_STATE_HOME"
scratch=$(mktemp -d /tmp/caplab-vg.XXXXXX)
chmod 0755 "$scratch"
trap 'rm -rf "$XDG_STATE_HOME" "$scratch"' EXIT

# ---- unit tests -------------------------------------------------------------------------------
for t in build/vg/tests/test_*; do
    [ -x "$t" ] || continue
    vg_step "$(basename "$t")" 0 "$t"
done

# ---- a walk through the CLI --------------------------------------------------------------------
C=$root/build/vg/caplab
vg_step help 0 "$C" --help
vg_step help-run 0 "$C" help run
vg_step version 0 "$C" --version
vg_step unknown-command 2 "$C" no-such-command
vg_step lint-sample 0 "$C" lint tests/data/lessons/valid/sample.json
vg_step lint-valid-dir 0 "$C" lint tests/data/lessons/valid
vg_step lint-broken-dir 1 "$C" lint tests/data/lessons/broken
vg_step lint-missing 1 "$C" lint "$scratch/no-such-dir"
[ -f lessons/course.json ] && vg_step lint-course 0 "$C" lint

vg_step run-dry 0 "$C" run --dry-run --cap-drop ALL --cap-add NET_BIND_SERVICE
vg_step run-bad-cap 2 "$C" run --cap-drop NET_RAWW -- true
vg_step run-drop 0 "$C" run --cap-drop NET_RAW -- true
vg_step run-status 7 "$C" run -- sh -c 'exit 7'
vg_step run-not-found 127 "$C" run -- no-such-command-caplab
vg_step run-json 3 "$C" run --json --cap-drop ALL --cap-add CHOWN -- sh -c 'echo out; echo err >&2; exit 3'
vg_step run-json-truncated 0 "$C" run --json -- sh -c 'head -c 100000 /dev/zero'
vg_step run-setup 0 "$C" run --setup 'touch /tmp/x' -- test -e /tmp/x
vg_step run-setup-fails 125 "$C" run --setup 'exit 3' -- true
vg_step run-timeout 124 "$C" run --timeout 0.5 -- sleep 30
vg_step run-share 0 "$C" run --share "$scratch" -- test -d "$scratch"
if [ "$(id -u)" -eq 0 ]; then
    vg_step run-user-ambient 0 "$C" run --cap-drop ALL --cap-add NET_BIND_SERVICE --user 65534:65534 --ambient -- true
    vg_step run-nnp 0 "$C" run --no-new-privs --docker-sysctls -- true
    vg_step run-rootless 0 as_nobody "$C" run --mode rootless --cap-drop NET_RAW -- true
    vg_step run-rootless-json 0 as_nobody "$C" run --mode rootless --json --cap-drop ALL -- id
    vg_step run-rootless-user 125 as_nobody "$C" run --mode rootless --user 1000 -- true
    vg_step run-privileged-as-nobody 125 as_nobody "$C" run --mode privileged -- true
fi
t_done
