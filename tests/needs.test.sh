#!/usr/bin/env bash
# Integration tests of `caplab needs`: real commands in real sandboxes, with known needs.
# Privileged mode needs root (CI is root); one rootless case runs as nobody via setpriv.
set -u
. "$(dirname "$0")/lib.sh"

C=$CAPLAB
H=$CAPLAB_HELPERS
NEED=$H/capneed
# The helpers live in the build tree, which may be below /tmp (a CI clone): the sandbox's
# /tmp is empty, so every run that uses them shares their directory.
ROOT_OK=0
[ "$(id -u)" -eq 0 ] && ROOT_OK=1
TMP=$(mktemp -d /tmp/caplab-needs-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# Sizes of the searched universes: Docker's 14, and every capability this host's root holds
# in its bounding set (some VMs lack SYS_RESOURCE).
N_DOCKER=14
HOST_BND=$((16#$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)))
N_ALL=0
for ((cap = 0; cap <= $(cat /proc/sys/kernel/cap_last_cap); cap++)); do
    [ $(((HOST_BND >> cap) & 1)) = 1 ] && N_ALL=$((N_ALL + 1))
done

ceil_log2() {
    local n=$1 l=0
    while [ $((1 << l)) -lt "$n" ]; do l=$((l + 1)); done
    echo $l
}

# The issue's bound is k·⌈log2 N⌉ + 2. Returning only a set that a run verified costs at
# least one run more for k = 1 whatever the strategy (d runs can verify at most 2^(d-1)
# single capabilities); the search's worst case adds 2 for N = 14 and 1 for N = 40 or 41
# (tests/test_needs.c checks this exhaustively against a model).
excess() { if [ "$1" -le 16 ]; then echo 2; else echo 1; fi; }

# needs_case DESC N "EXPECTED SET" caplab-needs-args...
needs_case() {
    local desc=$1 n=$2 expected=$3
    shift 3
    local out rc
    out=$("$C" needs "$@" 2>&1)
    rc=$?
    local got runs
    got=$(printf '%s\n' "$out" | sed -n 's/^needs: //p')
    runs=$(printf '%s\n' "$out" | sed -n 's/^found with \([0-9]*\) sandbox run.*/\1/p')
    if [ "$rc" -ne 0 ] || [ -z "$runs" ]; then
        t_fail "$desc" "exit $rc: $out"
        return
    fi
    t_eq "$desc: set" "$got" "$expected"
    local k=0 name
    if [ "$expected" != "no capabilities" ]; then
        for name in $expected; do k=$((k + 1)); done
    fi
    local plain=$((k * $(ceil_log2 "$n") + 2))
    local bound=$plain
    [ "$k" -gt 0 ] && bound=$((plain + $(excess "$n")))
    if [ "$runs" -le "$bound" ]; then
        t_ok "$desc: $runs runs <= $bound (k=$k, N=$n; k*ceil(log2 N)+2 = $plain)"
    else
        t_fail "$desc: $runs runs > $bound (k=$k, N=$n)" "$out"
    fi
    t_match "$desc: docker flags" "$out" "docker run --cap-drop ALL( --cap-add [A-Z_]+)* IMAGE"
}

# Canaries: names only this run uses, written by commands inside sandboxes, where /tmp is
# a fresh tmpfs; none may appear on the host.
CANARY=/tmp/caplab-needs-canary.$$
host_capneed_before=$(ls -d /tmp/capneed.* 2>/dev/null)

if [ "$ROOT_OK" = 0 ]; then
    t_skip "caplab needs, privileged" "needs root"
    t_done
    exit
fi

# --- known needs ------------------------------------------------------------------------
needs_case "true needs nothing" $N_DOCKER "no capabilities" -- true
out=$("$C" needs -- true)
t_match "nothing needed: two runs (full, none)" "$out" "found with 2 sandbox runs"
needs_case "chown to another user" $N_DOCKER "CHOWN" \
    -- sh -c "touch $CANARY && chown 65534:65534 $CANARY"
needs_case "bind port 80" $N_DOCKER "NET_BIND_SERVICE" --share "$H" -- "$NEED" bind80
if command -v ping >/dev/null; then
    needs_case "ping" $N_DOCKER "NET_RAW" -- ping -c1 -W2 127.0.0.1
    needs_case "ping as nobody (file capabilities, bounding set)" $N_DOCKER "NET_RAW" \
        --user nobody -- ping -c1 -W2 127.0.0.1
    needs_case "ping with Docker's sysctls needs nothing" $N_DOCKER "no capabilities" \
        --docker-sysctls --user nobody -- sh -c 'cp "$(command -v ping)" /tmp/p && /tmp/p -c1 -W2 127.0.0.1'
else
    t_skip "ping" "ping is not installed (apt-get install iputils-ping)"
fi
needs_case "two: chown + raw socket" $N_DOCKER "CHOWN NET_RAW" --share "$H" -- "$NEED" chown raw
needs_case "three: chown + port 80 + raw socket" $N_DOCKER "CHOWN NET_BIND_SERVICE NET_RAW" \
    --share "$H" -- "$NEED" chown bind80 raw
needs_case "three, other end of the order" $N_DOCKER "SYS_CHROOT MKNOD SETFCAP" \
    --share "$H" -- sh -c "$NEED chroot mknod && cp $NEED /tmp/x && setcap cap_net_raw+ep /tmp/x"
needs_case "baseline all: SYS_ADMIN and MKNOD" $N_ALL "SYS_ADMIN MKNOD" \
    --baseline all --share "$H" -- "$NEED" sethostname mknod
needs_case "baseline all: three" $N_ALL "SETUID NET_BIND_SERVICE SYS_CHROOT" \
    --baseline all --share "$H" -- "$NEED" chroot setuid bind80

# --- failures ---------------------------------------------------------------------------
out=$("$C" needs -- sh -c 'echo broken >&2; exit 3' 2>&1)
rc=$?
t_eq "fails with everything: exit 1" "$rc" 1
t_match "fails with everything: says so, with the status and stderr" "$out" \
    "fails even with all 14 capabilities of the docker baseline \(exit 3\): broken"
t_match "fails with everything: suggests --baseline all" "$out" "try --baseline all"
out=$("$C" needs -- /nonexistent/tool 2>&1)
t_match "missing command: exit 127 and a hint" "$out" "\(exit 127\).*"
t_match "missing command: hint names --share" "$out" "--share"
out=$("$C" needs --timeout 0.3 -- sleep 10 2>&1)
t_match "a hanging command times out with everything" "$out" "\(timed out\).*"
t_match "timeout: hint" "$out" "longer --timeout"

out=$("$C" needs --repeat 10 --share "$H" -- "$NEED" flaky 2>&1)
rc=$?
t_eq "flaky command: exit 1" "$rc" 1
t_match "flaky command: detected and no set given" "$out" \
    "the command is flaky: with .* it succeeded in [0-9]+ of 10 runs"
t_check "flaky command: no answer printed" bash -c "! printf '%s' \"\$1\" | grep -q '^needs:'" _ "$out"

# --- strict and check -------------------------------------------------------------------
needs_case "warning only: passes without FOWNER" $N_DOCKER "CHOWN" --share "$H" -- "$NEED" warn-chmod
needs_case "--strict: FOWNER for the same output" $N_DOCKER "CHOWN FOWNER" \
    --strict --share "$H" -- "$NEED" warn-chmod
out=$("$C" needs --strict -v --share "$H" -- "$NEED" warn-chmod 2>&1)
t_match "--strict -v: a run marked as output differs" "$out" "output differs .*warning: cannot chmod"

IGNORE_CHOWN='touch /tmp/f; chown 65534 /tmp/f 2>/dev/null; exit 0'
needs_case "ignored chown failure: nothing needed" $N_DOCKER "no capabilities" \
    -- sh -c "$IGNORE_CHOWN"
needs_case "--check catches it" $N_DOCKER "CHOWN" \
    --check 'test "$(stat -c %u /tmp/f)" = 65534' -- sh -c "$IGNORE_CHOWN"
SETGID_FILE='touch /tmp/g && chgrp 65534 /tmp/g && chmod 2755 /tmp/g'
needs_case "setgid bit lost silently: CHOWN suffices" $N_DOCKER "CHOWN" -- sh -c "$SETGID_FILE"
needs_case "--check 'test -g': FSETID too" $N_DOCKER "CHOWN FSETID" \
    --check 'test -g /tmp/g' -- sh -c "$SETGID_FILE"
# An `exit` inside the check ends the check (a subshell), not the wrapper: the run log
# must call it a failed check, not a failed command.
out=$("$C" needs -v --check 'test "$(stat -c %u /tmp/f)" = 65534 || exit 1; exit 0' \
    -- sh -c "$IGNORE_CHOWN" 2>&1)
t_match "--check with exit: same answer" "$out" "^needs: CHOWN$"
t_match "--check with exit: reported as a failed check" "$out" "run  2 none    --check failed"
out=$("$C" needs --check false -- true 2>&1)
t_match "--check that never passes: says so" "$out" "fails even with all .*--check failed"
# The command reaches the sandbox as arguments, never through the shell's parser.
needs_case "arguments are not interpolated" $N_DOCKER "no capabilities" \
    --check "test \"\$(cat /tmp/out)\" = 'a b;\$(exit 9)\"'" \
    -- sh -c 'printf %s "$1" > /tmp/out' sh 'a b;$(exit 9)"'

# --- options and output -----------------------------------------------------------------
raw_json=$("$C" needs --json --share "$H" -- "$NEED" chown raw)
json=$(printf '%s' "$raw_json" | tr -d ' \n')
t_match "--json: verdict" "$json" '"verdict":"found"'
t_match "--json: the set" "$json" '"needs":\["CHOWN","NET_RAW"\]'
t_match "--json: docker flags" "$raw_json" '"docker_flags": "--cap-drop ALL --cap-add CHOWN --cap-add NET_RAW"'
t_match "--json: compose" "$json" '"compose":"cap_drop:\\n-ALL\\ncap_add:\\n-CHOWN\\n-NET_RAW\\n"'
t_match "--json: first run is the full set, ok" "$json" '"run_log":\[\{"run":1,"phase":"full","set":\["CHOWN",[^]]*\],"pass":true'
t_match "--json: second run is the empty set" "$json" '\{"run":2,"phase":"none","set":\[\],"pass":false'
runs=$(printf '%s' "$json" | grep -o '"runs":[0-9]*' | cut -d: -f2)
logged=$(printf '%s' "$json" | grep -o '"run":[0-9]*' | wc -l)
t_eq "--json: run_log has every run" "$logged" "$runs"
verified=$(printf '%s' "$json" | grep -o '"verified_by_run":[0-9]*' | cut -d: -f2)
t_match "--json: verified by a run of exactly the set" "$json" \
    "\{\"run\":$verified,\"phase\":\"[a-z]*\",\"set\":\[\"CHOWN\",\"NET_RAW\"\],\"pass\":true"

out=$("$C" needs --naive --share "$H" -- "$NEED" chown raw)
t_match "--naive: same set" "$out" "^needs: CHOWN NET_RAW"
t_match "--naive: N+1 runs" "$out" "found with 15 sandbox runs"
out=$("$C" needs -v --prove-minimal --share "$H" -- "$NEED" chown raw)
t_match "--prove-minimal: proven" "$out" "1-minimal: proven"
t_match "--prove-minimal: the set without CHOWN fails" "$out" "run +[0-9]+ minimal +exit 1 +NET_RAW"
t_match "--prove-minimal: the set without NET_RAW fails" "$out" "run +[0-9]+ minimal +exit 1 +CHOWN "
out=$("$C" needs --share "$H" -- "$NEED" chown raw)
t_match "without --prove-minimal: says what minimality rests on" "$out" "1-minimal if the command"
out=$("$C" needs --repeat 3 --share "$H" -- "$NEED" chown)
t_match "--repeat 3: three runs per set" "$out" "found with ([0-9]+) sandbox runs \(([0-9]+) sets\)"
sets=$(printf '%s' "$out" | sed -n 's/.*(\([0-9]*\) sets).*/\1/p')
t_match "--repeat 3: runs = 3 x sets" "$out" "with $((3 * sets)) sandbox runs"

# A program only the host's /tmp has: invisible inside until shared.
cp "$NEED" "$TMP/capneed"
out=$("$C" needs -- "$TMP/capneed" chown 2>&1)
t_match "a program below /tmp is not visible without --share" "$out" "exit 127"
out=$("$C" needs --share "$TMP" -- "$TMP/capneed" chown 2>&1)
t_match "--share shows it" "$out" "^needs: CHOWN"

# Progress: on a terminal only.
out=$("$C" needs --share "$H" -- "$NEED" chown 2>&1 >/dev/null)
t_eq "no progress when stderr is not a terminal" "$out" ""
if command -v script >/dev/null; then
    out=$(script -qec "$C needs --share $H -- $NEED chown" /dev/null 2>&1)
    t_match "progress on a terminal" "$out" "run 1 \(full\).*run [0-9]+ \(search\)"
else
    t_skip "progress on a terminal" "script(1) is not installed"
fi

# Usage errors.
for args in "" "--repeat 0 -- true" "--baseline none -- true" "--share relative -- true" \
    "--timeout soon -- true" "--bogus -- true" "--naive --prove-minimal -- true"; do
    # shellcheck disable=SC2086
    "$C" needs $args >/dev/null 2>&1
    t_eq "usage error: needs $args" "$?" 2
done
"$C" help needs | grep -q -- "--share PATH" && t_ok "help needs documents --share" ||
    t_fail "help needs documents --share"

# --- rootless, and the host untouched ----------------------------------------------------
out=$(as_nobody "$C" needs --share "$H" -- "$NEED" bind80 raw 2>&1)
t_match "rootless: port 80 and raw socket" "$out" "^needs: NET_BIND_SERVICE NET_RAW"
t_check "host /tmp untouched: no canary" test ! -e "$CANARY"
t_eq "host /tmp untouched: no capneed files" "$(ls -d /tmp/capneed.* 2>/dev/null)" \
    "$host_capneed_before"

t_done
