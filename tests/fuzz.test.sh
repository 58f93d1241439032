#!/usr/bin/env bash
# Smoke run of every libFuzzer harness (tests/fuzz/): builds them with `make fuzzers`, replays
# the crash reproducers kept in tests/data/fuzz/, then fuzzes each harness for a couple of
# seconds from its seeds. Long runs: `make fuzz FUZZ_SECONDS=N`.
set -u
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

if ! command -v "${FUZZ_CC:-clang}" >/dev/null; then
    t_skip "fuzz harnesses" "clang is not installed (make deps installs it)"
    t_done
    exit
fi
if out=$(make --no-print-directory -s fuzzers 2>&1); then
    t_ok "fuzz harnesses build"
else
    t_fail "fuzz harnesses build" "$out"
    t_done
    exit
fi
# run.sh speaks TAP itself: renumber its lines into ours.
while IFS= read -r line; do
    case $line in
    "ok "*) t_ok "${line#ok [0-9]* - }" ;;
    "not ok "*)
        t_fail "${line#not ok [0-9]* - }"
        ;;
    "#"*) echo "$line" ;;
    esac
done < <(tests/fuzz/run.sh --smoke 2>&1)
t_done
