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
# Memcheck runs programs 20-50 times slower, so tests that count work done in a fixed time
# may fall short here; they are listed, and only they may fail (memcheck must still be clean).
TIMING_TESTS="test_atomic_under_sigkill"
for t in build/vg/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    log=$logs/$name
    out=$("${VG[@]}" "$t" 2>&1 </dev/null 9>>"$log")
    rc=$?
    failed=$(printf '%s\n' "$out" | sed -n 's/^not ok [0-9]* - //p')
    unexpected=$(printf '%s\n' "$failed" | grep -vxF -e "" $(printf -- '-e %s ' $TIMING_TESTS))
    if [ -s "$log" ]; then
        t_fail "memcheck clean: $name" "$(head -n 60 "$log")"
    elif [ "$rc" = "$VG_EXIT" ] || [ -n "$unexpected" ] || { [ "$rc" != 0 ] && [ -z "$failed" ]; }; then
        t_fail "memcheck clean: $name (exit $rc)" "$out"
    else
        t_ok "memcheck clean: $name${failed:+ (timing test failed under memcheck, as it may: $failed)}"
    fi
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

# Quizzes, progress and the class report (when those commands exist).
if "$C" help answer >/dev/null 2>&1; then
    vg_step answer-show 0 "$C" answer decode-bit-13
    vg_step answer-wrong 1 "$C" answer decode-bit-13 NET_ADMIN
    vg_step answer-near-miss 1 "$C" answer decode-bit-13 NET_RAWW
    vg_step answer-hint 0 "$C" answer decode-bit-13 --hint
    vg_step answer-right 0 "$C" answer decode-bit-13 cap_net_raw
    vg_step answer-set 1 "$C" answer what-carries-caps "a c"
    vg_step answer-give-up 0 "$C" answer docker-default-count --give-up
    vg_step answer-unknown 2 "$C" answer no-such-quiz-caplab x
fi
if "$C" help grade >/dev/null 2>&1; then
    printf '{"decode-bit-13": "NET_RAW", "docker-default-count": "b", "what-carries-caps": ["a"]}\n' \
        >"$scratch/sheet.json"
    vg_step grade 1 "$C" grade --answers "$scratch/sheet.json"
    vg_step grade-json 1 "$C" grade --json --answers "$scratch/sheet.json"
    vg_step grade-tap 1 "$C" grade --tap --lesson tests/data/grading/quiz-lesson.json \
        --answers "$scratch/sheet.json"
    printf '{"decode-bit-13": ' >"$scratch/broken-sheet.json"
    vg_step grade-broken-sheet 2 "$C" grade --answers "$scratch/broken-sheet.json"
fi
if "$C" help progress >/dev/null 2>&1; then
    vg_step progress 0 "$C" progress
    vg_step progress-export 0 "$C" progress --export "$scratch/alice.json" --name alice
    XDG_STATE_HOME=$scratch/bob "$C" answer decode-bit-13 SYS_ADMIN >/dev/null 2>&1
    XDG_STATE_HOME=$scratch/bob "$C" progress --export "$scratch/bob.json" --name bob >/dev/null 2>&1
    vg_step progress-reset-lesson 0 "$C" progress --reset root-vs-capabilities
    vg_step progress-reset 0 "$C" progress --reset
    echo '{"done": ["x/y"], "quizzes": {"x/q": {"tries": 1, "correct": false, "answers": ["A"]}}}' \
        >"$XDG_STATE_HOME/caplab/progress.json"
    vg_step progress-migrate-v0 0 "$C" progress
    echo '{"format": "caplab-progress", "version": 1, "lessons": [' >"$XDG_STATE_HOME/caplab/progress.json"
    vg_step progress-corrupt 0 "$C" progress
fi
if "$C" help report >/dev/null 2>&1; then
    echo '{"format": "caplab-progress-export", "version": 1}' >"$scratch/bad.json"
    vg_step report 0 "$C" report "$scratch/alice.json" "$scratch/bob.json" "$scratch/bad.json"
    vg_step report-csv 0 "$C" report --csv "$scratch/alice.json" "$scratch/bob.json"
    vg_step report-json 0 "$C" report --json "$scratch/alice.json" "$scratch/alice.json"
fi
for cmd in explain status probe needs; do "$C" help $cmd >/dev/null 2>&1 || continue
    case $cmd in
    explain)
        vg_step explain 0 "$C" explain NET_BIND_SERVICE
        vg_step explain-list-json 0 "$C" explain --json --list
        vg_step explain-unknown 2 "$C" explain NET_BIND_SERIVCE
        ;;
    status) vg_step status 0 "$C" status ;;
    probe)
        vg_step probe 0 "$C" probe CHOWN NET_BIND_SERVICE
        vg_step probe-rootless 0 as_nobody "$C" probe CHOWN
        ;;
    needs)
        vg_step needs-chown 0 "$C" needs -- chown nobody /etc/hostname
        ;;
    esac
done
if [ -f lessons/course.json ]; then
    vg_step lint-verify-lesson 0 "$C" lint --verify lessons/01-root-vs-capabilities.json
fi
t_done
