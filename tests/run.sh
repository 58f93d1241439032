#!/usr/bin/env bash
# Runs every test program of caplab and ends with one line "N passed, N failed".
#
# Each program speaks TAP ("ok N - ..." / "not ok N - ..."): the cmocka unit tests
# (build/san/tests/test_*) and the integration scripts (tests/*.test.sh, see lib.sh).
# A program that exits non-zero without reporting a failure counts as one failure.
# TEST_FILTER=REGEX runs only the programs whose name matches.
set -u
cd "$(dirname "$0")/.."
root=$PWD

export CAPLAB="$root/build/san/caplab"
export CAPLAB_REL="$root/caplab"
export CAPLAB_DATA="$root"
export CAPLAB_HELPERS="$root/build/helpers"
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:print_summary=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# Tests never read or write the real user's progress.
export XDG_STATE_HOME
XDG_STATE_HOME=$(mktemp -d /tmp/caplab-test-state.XXXXXX)
trap 'rm -rf "$XDG_STATE_HOME"' EXIT

mkdir -p tests/out
passed=0
failed=0
failed_programs=()

run_program() {
    local name=$1
    shift
    local log="tests/out/$name.log"
    local start=$SECONDS
    "$@" >"$log" 2>&1 </dev/null
    local rc=$?
    local p f
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $name exited with status $rc without reporting a failure" >>"$log"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    printf '%-32s %4d passed %3d failed  %3ds\n' "$name" "$p" "$f" $((SECONDS - start))
    if [ "$f" -gt 0 ]; then
        failed_programs+=("$name")
        grep -E '^not ok|^#' "$log" | head -n 40 | sed 's/^/    /'
        tail -n 15 "$log" | grep -vE '^(ok|not ok|#)' | sed 's/^/    | /'
    fi
}

filter=${TEST_FILTER:-.}
for t in build/san/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    [[ $name =~ $filter ]] || continue
    run_program "$name" "$t"
done
for t in tests/*.test.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .test.sh)
    [[ $name =~ $filter ]] || continue
    run_program "$name" bash "$t"
done

if [ ${#failed_programs[@]} -gt 0 ]; then
    echo "failing: ${failed_programs[*]} (logs in tests/out/)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
