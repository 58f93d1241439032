#!/usr/bin/env bash
# Runs the libFuzzer harnesses built by `make fuzzers` (build/fuzz/fuzz_NAME), with TAP output.
#
#   tests/fuzz/run.sh --seconds N [NAME...]   fuzz each harness for N seconds (make fuzz)
#   tests/fuzz/run.sh --smoke [NAME...]       a few seconds each (make test, via fuzz.test.sh)
#
# Per harness, in this order:
#   1. every reproducer in tests/data/fuzz/NAME/ (crashes found earlier) runs once and must pass;
#   2. the fuzzer runs from the seeds: tests/fuzz/corpus/NAME/ (checked in), the extra seed
#      directories below, and build/fuzz/corpus/NAME/ (what earlier long runs found; the
#      smoke run uses a throwaway copy instead, so `make test` writes nothing there).
# A crash, leak, timeout or sanitizer report fails the harness; the input that caused it is
# in build/fuzz/crashes/ (add it to tests/data/fuzz/NAME/ once fixed).
# Environment: FUZZ_JOBS=N runs N fuzzing processes per harness (long runs only).
set -u
cd "$(dirname "$0")/../.."

mode=smoke
seconds=2
while [ $# -gt 0 ]; do
    case $1 in
    --seconds)
        mode=long
        seconds=$2
        shift 2
        ;;
    --smoke)
        mode=smoke
        shift
        ;;
    *) break ;;
    esac
done

# Extra seed directories (read-only) per harness.
extra_seeds() {
    case $1 in
    lesson) echo lessons tests/data/lessons ;;
    esac
}

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in build/fuzz/fuzz_*; do
        [ -x "$f" ] || continue
        names+=("${f#build/fuzz/fuzz_}")
    done
fi
if [ ${#names[@]} -eq 0 ]; then
    echo "not ok 1 - no harness built (run make fuzzers)"
    echo "1..1"
    exit 1
fi

mkdir -p build/fuzz/crashes
count=0
failures=0
ok() { count=$((count + 1)); echo "ok $count - $1"; }
not_ok() {
    count=$((count + 1))
    failures=$((failures + 1))
    echo "not ok $count - $1"
    [ $# -gt 1 ] && printf '%s\n' "$2" | tail -n 40 | sed 's/^/#   /'
}
export ASAN_OPTIONS="${FUZZ_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

for name in "${names[@]}"; do
    bin=build/fuzz/fuzz_$name
    if [ ! -x "$bin" ]; then
        not_ok "fuzz $name: $bin is not built"
        continue
    fi
    # 1. regressions
    repro_dir=tests/data/fuzz/$name
    if [ -d "$repro_dir" ] && [ -n "$(ls -A "$repro_dir")" ]; then
        n=$(find "$repro_dir" -type f | wc -l)
        if out=$("$bin" -rss_limit_mb=2048 -timeout=10 "$repro_dir"/* 2>&1); then
            ok "fuzz $name: $n regression input(s) from $repro_dir pass"
        else
            not_ok "fuzz $name: a regression input from $repro_dir fails again" "$out"
        fi
    fi
    # 2. fuzzing
    seeds=()
    [ -d tests/fuzz/corpus/$name ] && seeds+=(tests/fuzz/corpus/$name)
    for d in $(extra_seeds "$name"); do [ -d "$d" ] && seeds+=("$d"); done
    dict=()
    [ -f tests/fuzz/$name.dict ] && dict=(-dict=tests/fuzz/$name.dict)
    opts=(-timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
        -artifact_prefix=build/fuzz/crashes/$name- "${dict[@]}")
    log=$(mktemp /tmp/caplab-fuzz-log.XXXXXX)
    if [ $mode = smoke ]; then
        work=$(mktemp -d /tmp/caplab-fuzz-corpus.XXXXXX)
        "$bin" "${opts[@]}" -runs=3000 -max_total_time="$seconds" "$work" "${seeds[@]}" >"$log" 2>&1
        rc=$?
        rm -rf "$work"
    else
        work=build/fuzz/corpus/$name
        mkdir -p "$work"
        jobs=${FUZZ_JOBS:-1}
        if [ "$jobs" -gt 1 ]; then
            opts+=(-fork="$jobs" -ignore_crashes=0)
        fi
        "$bin" "${opts[@]}" -max_total_time="$seconds" "$work" "${seeds[@]}" >"$log" 2>&1
        rc=$?
    fi
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
    if [ $execs -eq 0 ]; then
        # -fork mode prints no final stats; the last status line carries the count.
        execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
        execs=${execs:-0}
    fi
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
    corpus=$(grep -oE 'corp: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
    if [ $rc -eq 0 ]; then
        ok "fuzz $name: $execs execs in ${seconds}s max, coverage ${cov:-?} edges, corpus ${corpus:-?}, no crash"
    else
        not_ok "fuzz $name: crash or sanitizer report (exit $rc), input in build/fuzz/crashes/" \
            "$(grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x|Test unit written|artifact' "$log")"
    fi
    [ $mode = long ] && cp "$log" "build/fuzz/$name.log"
    rm -f "$log"
done
echo "1..$count"
[ $failures -eq 0 ]
