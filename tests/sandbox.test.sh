#!/usr/bin/env bash
# Integration tests of `caplab run`: exact capability sets in both modes, behaviour of
# real commands, escape attempts, host safety, clean-up and errors.
# Privileged mode needs root (CI is root); rootless runs as nobody through setpriv.
set -u
. "$(dirname "$0")/lib.sh"

C=$CAPLAB
ROOT_OK=0
[ "$(id -u)" -eq 0 ] && ROOT_OK=1

# --- an independent model of Docker's rules, to check caplab against -------------------
declare -A CAPNUM
while read -r _ name num; do
    CAPNUM[${name#CAP_}]=$num
done < <(grep -E '^#define CAP_[A-Z_]+[[:space:]]+[0-9]+$' /usr/include/linux/capability.h)
LAST=$(cat /proc/sys/kernel/cap_last_cap)
NAMES=()
for n in "${!CAPNUM[@]}"; do [ "${CAPNUM[$n]}" -le "$LAST" ] && NAMES+=("$n"); done
ALL=$(( (1 << (LAST + 1)) - 1 ))
DOCKER=0
for n in CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP \
    NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE; do
    DOCKER=$((DOCKER | (1 << CAPNUM[$n])))
done

hex() { printf '%016x' "$1"; }

# What a privileged sandbox can hold: some hosts' root lacks a capability (SYS_RESOURCE
# on some VMs). A rootless sandbox starts from a full set in its own user namespace.
HOST_BND=$((16#$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)))
grantable() { if [ "$1" = privileged ]; then echo $(($2 & HOST_BND)); else echo "$2"; fi; }

# expected_mask BASELINE "DROPS" "ADDS" -> Docker's TweakCapabilities
expected_mask() {
    local base=$1 drops=$2 adds=$3 d=0 a=0 drop_all=0 add_all=0 n
    for n in $drops; do if [ "$n" = ALL ]; then drop_all=1; else d=$((d | (1 << CAPNUM[$n]))); fi; done
    for n in $adds; do if [ "$n" = ALL ]; then add_all=1; else a=$((a | (1 << CAPNUM[$n]))); fi; done
    if [ $add_all = 1 ]; then echo $((ALL & ~d)); return; fi
    if [ $drop_all = 1 ]; then echo $((a)); return; fi
    case $base in
    docker) base=$DOCKER ;;
    all) base=$ALL ;;
    none) base=0 ;;
    esac
    echo $(((base & ~d) | a))
}

# status_line TEXT FIELD -> the hex value of a /proc/PID/status field
status_field() { printf '%s\n' "$1" | awk -v f="$2:" '$1 == f { print $2 }'; }

# run_masks MODE ARGS... : prints the status lines from inside
run_masks() {
    local mode=$1
    shift
    if [ "$mode" = rootless ]; then
        as_nobody "$C" run --mode rootless "$@" -- grep -E '^(Cap|NoNewPrivs)' /proc/self/status
    else
        "$C" run --mode privileged "$@" -- grep -E '^(Cap|NoNewPrivs)' /proc/self/status
    fi
}

# check_sets DESC MODE EXP_INH EXP_PRM EXP_EFF EXP_BND EXP_AMB EXP_NNP ARGS...
check_sets() {
    local desc=$1 mode=$2 inh=$3 prm=$4 eff=$5 bnd=$6 amb=$7 nnp=$8
    shift 8
    local out
    out=$(run_masks "$mode" "$@" 2>&1)
    local got want
    got="$(status_field "$out" CapInh) $(status_field "$out" CapPrm) $(status_field "$out" CapEff) $(status_field "$out" CapBnd) $(status_field "$out" CapAmb) $(status_field "$out" NoNewPrivs)"
    want="$(hex "$inh") $(hex "$prm") $(hex "$eff") $(hex "$bnd") $(hex "$amb") $nnp"
    t_eq "$desc [$mode] $*" "$got" "$want"
}

MODES=()
[ $ROOT_OK = 1 ] && MODES+=(privileged)
MODES+=(rootless)

# --- exact sets: a table of configurations ------------------------------------------------
NBS=$((1 << CAPNUM[NET_BIND_SERVICE]))
for mode in "${MODES[@]}"; do
    check_sets "docker defaults" "$mode" 0 $DOCKER $DOCKER $DOCKER 0 0
    check_sets "drop ALL" "$mode" 0 0 0 0 0 0 --cap-drop ALL
    check_sets "drop ALL add one" "$mode" 0 $NBS $NBS $NBS 0 0 --cap-drop ALL --cap-add NET_BIND_SERVICE
    m=$(expected_mask docker NET_RAW "")
    check_sets "drop one" "$mode" 0 "$m" "$m" "$m" 0 0 --cap-drop net_raw
    a=$(grantable "$mode" $ALL)
    check_sets "add ALL" "$mode" 0 "$a" "$a" "$a" 0 0 --cap-add ALL
    check_sets "no_new_privs" "$mode" 0 $DOCKER $DOCKER $DOCKER 0 1 --no-new-privs
done
if [ $ROOT_OK = 1 ]; then
    # Docker: a non-root user keeps the bounding set but holds nothing.
    check_sets "non-root user" privileged 0 0 0 $DOCKER 0 0 --user nobody
    check_sets "non-root user, ambient" privileged $NBS $NBS $NBS $NBS $NBS 0 \
        --cap-drop ALL --cap-add NET_BIND_SERVICE --user 65534:65534 --ambient
fi

# --- exact sets: random drop/add combinations, checked against the model --------------------
RANDOM=4242
random_names() {
    local k=$1 i out=""
    for ((i = 0; i < k; i++)); do out+=" ${NAMES[RANDOM % ${#NAMES[@]}]}"; done
    echo "$out"
}
for mode in "${MODES[@]}"; do
    mismatches=0
    detail=""
    for ((round = 0; round < 60; round++)); do
        bases=(docker all none)
        base=${bases[RANDOM % 3]}
        drops=$(random_names $((RANDOM % 4)))
        adds=$(random_names $((RANDOM % 4)))
        [ $((RANDOM % 10)) = 0 ] && drops+=" ALL"
        [ $((RANDOM % 15)) = 0 ] && adds+=" ALL"
        args=(--baseline "$base")
        for n in $drops; do args+=(--cap-drop "$n"); done
        for n in $adds; do args+=(--cap-add "$n"); done
        m=$(grantable "$mode" "$(expected_mask "$base" "$drops" "$adds")")
        out=$(run_masks "$mode" "${args[@]}" 2>&1)
        got="$(status_field "$out" CapInh)/$(status_field "$out" CapPrm)/$(status_field "$out" CapEff)/$(status_field "$out" CapBnd)/$(status_field "$out" CapAmb)"
        want="$(hex 0)/$(hex "$m")/$(hex "$m")/$(hex "$m")/$(hex 0)"
        if [ "$got" != "$want" ]; then
            mismatches=$((mismatches + 1))
            detail+="${args[*]}: got $got want $want"$'\n'
        fi
    done
    if [ $mismatches = 0 ]; then t_ok "60 random drop/add combinations exact [$mode]"; else
        t_fail "60 random drop/add combinations exact [$mode]" "$detail"; fi
done

# --- rootless with a subordinate id range (newuidmap), in a private mount namespace so
# the host's /etc/subuid is never touched --------------------------------------------------
if [ $ROOT_OK = 1 ] && [ -x /usr/bin/newuidmap ]; then
    ids=$(mktemp -d)
    echo "nobody:200000:65536" >"$ids/subuid"
    printf 'nogroup:200000:65536\n65534:200000:65536\n' >"$ids/subgid"
    out=$(unshare -m sh -c 'mount --bind "$1/subuid" /etc/subuid && mount --bind "$1/subgid" /etc/subgid &&
        setpriv --reuid=65534 --regid=65534 --clear-groups --reset-env "$2" run --setup "touch /tmp/f" -- \
            sh -c "cat /proc/self/uid_map; chown 1000:1000 /tmp/f && stat -c OWNER=%u:%g /tmp/f" &&
        setpriv --reuid=65534 --regid=65534 --clear-groups --reset-env "$2" run --user 1000 -- \
            sh -c "id -u; grep CapEff /proc/self/status"' sh "$ids" "$C" 2>&1)
    t_match "rootless with a subuid range maps 1..65536" "$out" "1[[:space:]]+200000[[:space:]]+65536"
    t_match "rootless with a range: chown to uid 1000 works" "$out" "OWNER=1000:1000"
    t_match "rootless with a range: --user 1000 runs with no effective capabilities" "$out" "CapEff:[[:space:]]+0000000000000000"
    rm -rf "$ids"
fi

# --- behaviour of real commands -------------------------------------------------------------
if command -v ping >/dev/null; then
    out=$("$C" run --cap-drop NET_RAW -- ping -c1 -W1 127.0.0.1 2>&1)
    rc=$?
    t_eq "ping without NET_RAW exits 126 (exec refused)" "$rc" 126
    t_match "ping without NET_RAW: the exec itself is refused" "$out" "ping: Operation not permitted"
    t_check "ping with Docker's defaults works" "$C" run -- ping -c1 -W1 127.0.0.1
    out=$("$C" run --cap-drop ALL --docker-sysctls --user nobody --setup 'cp /usr/bin/ping /tmp/ping' \
        -- /tmp/ping -c1 -W1 127.0.0.1 2>&1)
    t_match "--docker-sysctls: ping (no file capability) works with no capabilities" "$out" "1 received"
    out=$("$C" run --cap-drop ALL --user nobody --setup 'cp /usr/bin/ping /tmp/ping' \
        -- /tmp/ping -c1 -W1 127.0.0.1 2>&1)
    t_match "without the sysctls the same ping needs NET_RAW" "$out" "Operation not permitted"
else
    t_skip "ping tests" "ping is not installed (apt-get install iputils-ping)"
fi

listen80='nc -l 80 & pid=$!; sleep 0.3; if nc -z 127.0.0.1 80; then echo BOUND; else echo REFUSED; fi; kill $pid 2>/dev/null; wait $pid 2>/dev/null; true'
out=$("$C" run --cap-drop NET_BIND_SERVICE -- sh -c "$listen80" 2>&1)
t_match "nc -l 80 without NET_BIND_SERVICE: Permission denied" "$out" "Permission denied"
t_match "nc -l 80 without NET_BIND_SERVICE does not bind" "$out" "REFUSED"
out=$("$C" run --cap-drop ALL --cap-add NET_BIND_SERVICE -- sh -c "$listen80" 2>&1)
t_match "nc -l 80 with only NET_BIND_SERVICE binds" "$out" "BOUND"
out=$("$C" run --cap-drop ALL --docker-sysctls --user nobody -- sh -c "$listen80" 2>&1)
t_match "--docker-sysctls: nobody with no capabilities binds port 80" "$out" "BOUND"

# --- escapes ----------------------------------------------------------------------------------
if [ $ROOT_OK = 1 ]; then
    suid='cp /usr/bin/grep /tmp/sgrep && chmod 4755 /tmp/sgrep'
    out=$("$C" run --cap-drop ALL --user nobody --setup "$suid" -- /tmp/sgrep -E '^Cap(Eff|Prm)' /proc/self/status)
    t_eq "setuid-root binary regains nothing after drop ALL" "$(echo "$out" | awk '{print $2}' | sort -u)" "0000000000000000"
    out=$("$C" run --cap-drop ALL --cap-add NET_RAW --user nobody --setup "$suid" -- /tmp/sgrep CapEff /proc/self/status)
    t_eq "setuid-root binary gets at most the bounding set" "$(status_field "$out" CapEff)" "$(hex $((1 << CAPNUM[NET_RAW])))"
    out=$("$C" run --user nobody --no-new-privs --setup "$suid" -- /tmp/sgrep CapEff /proc/self/status)
    t_eq "no_new_privs: setuid-root binary gains nothing" "$(status_field "$out" CapEff)" "$(hex 0)"
    fcap='cp /usr/bin/grep /tmp/fgrep && setcap cap_sys_admin+ep /tmp/fgrep'
    "$C" run --cap-drop ALL --setup "$fcap" -- /tmp/fgrep CapEff /proc/self/status >/dev/null 2>&1
    t_eq "file capability outside the bounding set: exec refused (126)" "$?" 126
    fcap='cp /usr/bin/grep /tmp/fgrep && setcap cap_sys_admin+p /tmp/fgrep'
    out=$("$C" run --cap-drop ALL --user nobody --setup "$fcap" -- /tmp/fgrep CapPrm /proc/self/status)
    t_eq "file capability (permitted only) is masked by the bounding set" "$(status_field "$out" CapPrm)" "$(hex 0)"
fi
for mode in "${MODES[@]}"; do
    if [ "$mode" = rootless ]; then pre=(as_nobody); else pre=(); fi
    out=$("${pre[@]}" "$C" run --mode "$mode" --cap-drop NET_RAW -- capsh --inh=cap_net_raw -- -c 'grep CapEff /proc/self/status' 2>&1)
    t_match "inheritable trick cannot re-add NET_RAW [$mode]" "$out" "Unable to set inheritable|Operation not permitted"
    out=$("${pre[@]}" "$C" run --mode "$mode" --cap-drop NET_RAW -- capsh --addamb=cap_net_raw -- -c 'grep CapAmb /proc/self/status' 2>&1)
    t_match "ambient trick cannot re-add NET_RAW [$mode]" "$out" "failed|Operation not permitted|not permitted"
    out=$("${pre[@]}" "$C" run --mode "$mode" --cap-drop NET_RAW -- unshare -U grep CapEff /proc/self/status 2>&1)
    t_match "a nested user namespace is refused [$mode]" "$out" "unshare failed: Operation not permitted"
    out=$("${pre[@]}" "$C" run --mode "$mode" --cap-drop ALL -- unshare -Ur id 2>&1)
    t_match "unshare -Ur is refused [$mode]" "$out" "Operation not permitted"
done

# --- the host is never changed -----------------------------------------------------------------
if [ $ROOT_OK = 1 ]; then
    canary=$(mktemp /var/tmp/caplab-canary.XXXXXX)
    echo "precious" >"$canary"
    chmod 0640 "$canary"
    before=$(stat -c '%U:%G %a %s %Y' "$canary" /etc/passwd /etc /usr/bin/ping 2>/dev/null)
    host_name=$(hostname)
    sysctls="net.ipv4.ping_group_range net.ipv4.ip_unprivileged_port_start vm.swappiness kernel.hostname"
    sysctl_before=$(sysctl -n $sysctls 2>/dev/null)
    mounts_before=$(wc -l </proc/self/mountinfo)
    netns_before=$(ip netns list 2>/dev/null | wc -l)
    destroy="rm -rf $canary /var/tmp /usr/share/doc; chown -R nobody /etc /usr/bin/ping; chmod -R 777 /etc;
        echo pwned >/etc/passwd; sysctl -w net.ipv4.ping_group_range='0 1' vm.swappiness=1;
        echo 1 >/proc/sys/vm/swappiness; hostname evil; mount -t tmpfs x /mnt; true"
    "$C" run --cap-add ALL -- sh -c "$destroy" >/dev/null 2>&1
    "$C" run -- sh -c "$destroy" >/dev/null 2>&1
    as_nobody "$C" run --cap-add ALL -- sh -c "$destroy" >/dev/null 2>&1
    t_eq "canary, /etc and ping untouched after destructive commands" \
        "$(stat -c '%U:%G %a %s %Y' "$canary" /etc/passwd /etc /usr/bin/ping 2>/dev/null)" "$before"
    t_eq "canary content intact" "$(cat "$canary")" "precious"
    t_eq "host hostname unchanged" "$(hostname)" "$host_name"
    t_eq "host sysctls unchanged" "$(sysctl -n $sysctls 2>/dev/null)" "$sysctl_before"
    t_eq "host mount count unchanged" "$(wc -l </proc/self/mountinfo)" "$mounts_before"
    t_eq "no network namespace left" "$(ip netns list 2>/dev/null | wc -l)" "$netns_before"
    rm -f "$canary"
fi

# --- clean-up ------------------------------------------------------------------------------------
marker=31337.$$
"$C" run -- sh -c "(setsid sleep $marker >/dev/null 2>&1 &) ; nohup sleep $marker >/dev/null 2>&1 & true"
sleep 0.2
t_eq "a daemonised process does not outlive its sandbox" "$(pgrep -fc "sleep $marker")" 0

"$C" run -- sleep "$marker" &
runner=$!
sleep 0.5
kill -KILL $runner
wait $runner 2>/dev/null
sleep 0.3
t_eq "SIGKILL of caplab leaves no process behind" "$(pgrep -fc "sleep $marker")" 0

"$C" run -- sleep "$marker" &
runner=$!
sleep 0.5
kill -TERM $runner
wait $runner
rc=$?
sleep 0.2
t_eq "SIGTERM of caplab: exit 143" "$rc" 143
t_eq "SIGTERM of caplab leaves no process behind" "$(pgrep -fc "sleep $marker")" 0

start=$SECONDS
"$C" run --timeout 0.5 -- sleep "$marker"
rc=$?
t_eq "--timeout kills the whole sandbox: exit 124" "$rc" 124
t_eq "--timeout leaves nothing behind" "$(pgrep -fc "sleep $marker")" 0

mounts_before=$(wc -l </proc/self/mountinfo)
dir=$(mktemp -d)
for i in $(seq 50); do
    if [ $((i % 2)) = 0 ]; then drop=NET_RAW; else drop=CHOWN; fi
    ("$C" run --cap-drop $drop -- sh -c 'sleep 0.5; grep CapEff /proc/self/status' >"$dir/$i.$drop" 2>&1) &
done
wait
bad=0
for f in "$dir"/*; do
    case $f in
    *NET_RAW) want=$(hex $((DOCKER & ~(1 << CAPNUM[NET_RAW])))) ;;
    *) want=$(hex $((DOCKER & ~(1 << CAPNUM[CHOWN])))) ;;
    esac
    [ "$(status_field "$(cat "$f")" CapEff)" = "$want" ] || bad=$((bad + 1))
done
t_eq "50 concurrent sandboxes each get exactly their set" "$bad" 0
t_eq "50 concurrent sandboxes leave no mount behind" "$(wc -l </proc/self/mountinfo)" "$mounts_before"
rm -rf "$dir"

# --- exit statuses and errors -------------------------------------------------------------------
"$C" run -- sh -c 'exit 7'
t_eq "exit status passed through" "$?" 7
"$C" run -- no-such-command-caplab 2>/dev/null
t_eq "missing command: 127" "$?" 127
"$C" run -- sh -c 'kill -USR1 $$'
t_eq "signal: 128+N" "$?" $((128 + 10))
out=$("$C" run --cap-drop NET_BIND_SERIVCE -- true 2>&1)
t_eq "unknown capability: exit 2" "$?" 2
t_match "unknown capability suggests the nearest" "$out" "did you mean NET_BIND_SERVICE\\?"
out=$("$C" run --user no-such-user-caplab -- true 2>&1)
t_match "unknown user: clear error" "$out" 'no user "no-such-user-caplab"'
out=$("$C" run --baseline root -- true 2>&1)
t_eq "bad baseline: exit 2" "$?" 2
out=$(as_nobody "$C" run --mode rootless --user 1000 -- true 2>&1)
t_match "rootless without a subuid range: --user 1000 explained" "$out" "subordinate id range"
out=$(as_nobody "$C" run --mode privileged -- true 2>&1)
t_match "privileged mode without root: says to use sudo" "$out" "sudo"
echo '{"x":1}' | "$C" run -- cat >/dev/null
t_eq "stdin passed through" "$(echo hello | "$C" run -- cat)" "hello"

# The kernel refusing namespaces: a user namespace whose limit is 0.
if [ $ROOT_OK = 1 ]; then
    out=$(unshare --user --map-root-user sh -c 'echo 0 >/proc/sys/user/max_user_namespaces && "$0" run --mode rootless -- true' "$C" 2>&1)
    rc=$?
    t_eq "namespaces refused: distinct exit status 122" "$rc" 122
    t_match "namespaces refused: names the cause and the fix" "$out" "max_user_namespaces = 0"
fi

# Installed setuid, caplab would give real root to anyone: it refuses to run.
if [ $ROOT_OK = 1 ]; then
    suid_dir=$(mktemp -d)
    chmod 0755 "$suid_dir"
    cp "$CAPLAB_REL" "$suid_dir/caplab" && chmod 4755 "$suid_dir/caplab"
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$suid_dir/caplab" run -- id 2>&1)
    t_eq "setuid install: refuses with exit 2" "$?" 2
    t_match "setuid install: says why" "$out" "refusing to run setuid"
    rm -rf "$suid_dir"
fi

# --json and --explain
out=$("$C" run --json --cap-drop ALL --cap-add CHOWN -- sh -c 'echo out; echo err >&2; exit 3' | tr -d ' \n')
t_match "--json: exit code" "$out" '"exit_code":3'
t_match "--json: captured stdout" "$out" '"stdout":"out\\n"'
t_match "--json: effective set" "$out" '"effective":\["CHOWN"\]'
out=$("$C" run --json -- sh -c 'head -c 100000 /dev/zero | tr "\\0" x')
t_match "--json: output bounded and marked" "$out" '"stdout_truncated": true'
out=$("$C" run --dry-run --cap-drop ALL --cap-add NET_BIND_SERVICE)
t_match "--explain: docker flags" "$out" "docker run --cap-drop ALL --cap-add NET_BIND_SERVICE IMAGE"
t_match "--explain: compose" "$out" "cap_drop:"
t_match "--explain: IAB" "$out" "!cap_chown"
out=$("$C" run --dry-run --cap-drop NET_RAW)
t_match "--explain prefers the shorter form" "$out" "docker run --cap-drop NET_RAW IMAGE"

t_done
