#!/usr/bin/env bash
# Sandbox start-up: caplab against bubblewrap with the same isolation and against capsh
# (capabilities only, no namespaces), run alternately so that load affects all alike.
# Prints the median and p90 wall time of each and the ratios. No thresholds: a report.
#
#   bench/sandbox.sh [RUNS]        (default 200; needs root for the privileged rows)
set -u
cd "$(dirname "$0")/.."
runs=${1:-200}
caplab=${CAPLAB_BENCH:-./caplab}
[ -x "$caplab" ] || { echo "build caplab first (make)"; exit 1; }

declare -A cmd
names=()
add() { names+=("$1"); cmd[$1]=$2; }
add caplab "$caplab run --cap-drop ALL -- /bin/true"
if command -v bwrap >/dev/null; then
    add bwrap "bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --cap-drop ALL /bin/true"
fi
if command -v capsh >/dev/null; then
    add capsh "capsh --drop=all -- -c /bin/true"
fi
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
    add caplab-rootless "$nobody $caplab run --cap-drop ALL -- /bin/true"
    command -v bwrap >/dev/null &&
        add bwrap-rootless "$nobody bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --cap-drop ALL /bin/true"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for name in "${names[@]}"; do
    # One warm-up run each; a failing command makes the figures meaningless.
    if ! eval "${cmd[$name]}" >/dev/null 2>&1; then
        echo "$name fails: ${cmd[$name]}"
        exit 1
    fi
done
for ((i = 0; i < runs; i++)); do
    for name in "${names[@]}"; do
        t0=$(date +%s%N)
        eval "${cmd[$name]}" >/dev/null 2>&1
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000)) >>"$tmp/$name"
    done
done

percentile() { sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int(NR * p); if (i < 1) i = 1; print v[i] }'; }
declare -A median
printf '%-16s %10s %10s   %s\n' tool median_ms p90_ms command
for name in "${names[@]}"; do
    median[$name]=$(percentile "$tmp/$name" 0.5)
    p90=$(percentile "$tmp/$name" 0.9)
    printf '%-16s %10.2f %10.2f   %s\n' "$name" "$(echo "${median[$name]} / 1000" | bc -l)" \
        "$(echo "$p90 / 1000" | bc -l)" "${cmd[$name]}"
done
echo
ratio() { [ -n "${median[$1]:-}" ] && [ -n "${median[$2]:-}" ] &&
    printf 'ratio %-34s %.2f\n' "$1/$2:" "$(echo "${median[$1]} / ${median[$2]}" | bc -l)"; }
ratio caplab bwrap
ratio caplab-rootless bwrap-rootless
ratio caplab capsh
echo "($runs runs each, alternating; wall time includes fork/exec of the tool itself)"
