#!/usr/bin/env bash
# `caplab needs`: sandbox runs and wall time of the adaptive search against the naive one
# (the whole baseline, then the baseline minus each capability in turn: N+1 runs), on the
# same commands, alternating so that load affects both alike. Prints medians and ratios.
# No thresholds: a report.
#
#   bench/needs.sh [REPEATS]     (default 5 per command and search; needs root)
set -u
cd "$(dirname "$0")/.."
repeats=${1:-5}
caplab=${CAPLAB_BENCH:-./caplab}
[ -x "$caplab" ] || { echo "build caplab first (make)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench/needs.sh needs root (privileged sandboxes)"; exit 1; }
make --no-print-directory -s build/helpers/capneed || exit 1
need=$PWD/build/helpers/capneed

# baseline | command (as words for caplab needs)
cases=(
    "docker|true"
    "docker|sh -c 'touch /tmp/f && chown 65534 /tmp/f'"
    "docker|ping -c1 -W2 127.0.0.1"
    "docker|$need bind80"
    "docker|$need chown raw"
    "docker|$need chown bind80 raw"
    "docker|$need chroot mknod setuid raw"
    "all|$need sethostname"
    "all|$need sethostname mknod"
    "all|$need chroot setuid bind80"
    "all|$need chown raw sethostname chroot setuid"
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run_once SEARCH BASELINE COMMAND -> "runs set wall_us"
run_once() {
    local search=$1 baseline=$2 command=$3 t0 t1 json
    t0=$(date +%s%N)
    json=$(eval "$caplab needs --json --baseline $baseline $search -- $command" 2>/dev/null |
        tr -d ' \n')
    t1=$(date +%s%N)
    local runs set
    runs=$(printf '%s' "$json" | grep -o '"runs":[0-9]*' | cut -d: -f2)
    set=$(printf '%s' "$json" | grep -o '"needs":\[[^]]*\]' | sed 's/"needs":\[//; s/\]//; s/"//g')
    echo "${runs:-?} ${set:--} $(((t1 - t0) / 1000))"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-44s %-7s %-30s %5s %5s %6s %9s %9s %6s\n' command base needs runs naive ratio \
    adapt_ms naive_ms ratio
total_a=0
total_n=0
for i in "${!cases[@]}"; do
    baseline=${cases[$i]%%|*}
    command=${cases[$i]#*|}
    : >"$tmp/a" >"$tmp/n"
    for ((r = 0; r < repeats; r++)); do
        read -r runs_a set_a us_a < <(run_once "" "$baseline" "$command")
        read -r runs_n set_n us_n < <(run_once --naive "$baseline" "$command")
        echo "$us_a" >>"$tmp/a"
        echo "$us_n" >>"$tmp/n"
    done
    [ "$set_a" = "$set_n" ] || set_a="$set_a (naive: $set_n)"
    ms_a=$(median <"$tmp/a")
    ms_n=$(median <"$tmp/n")
    total_a=$((total_a + runs_a))
    total_n=$((total_n + runs_n))
    label=${command/$need/capneed}
    printf '%-44s %-7s %-30s %5s %5s %6.2f %9.1f %9.1f %6.2f\n' "${label:0:44}" "$baseline" \
        "${set_a:0:30}" "$runs_a" "$runs_n" "$(echo "$runs_a / $runs_n" | bc -l)" \
        "$(echo "$ms_a / 1000" | bc -l)" "$(echo "$ms_n / 1000" | bc -l)" \
        "$(echo "$ms_a / $ms_n" | bc -l)"
done
echo
printf 'all commands: %d adaptive runs vs %d naive runs, ratio %.2f\n' "$total_a" "$total_n" \
    "$(echo "$total_a / $total_n" | bc -l)"
echo "(ratio = adaptive / naive; times are medians of $repeats alternating runs of the whole"
echo " caplab needs process; naive = full set + one run without each capability, unverified)"
