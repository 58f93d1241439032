#!/usr/bin/env bash
# Integration tests of the probes (`caplab probe`), `caplab run --compare`, `caplab explain`
# and `caplab status`, against the real kernel. The expectations below are written down
# independently of caplab's code, from ../shared/reference/capability-probes.md; what this
# machine cannot show is decided from the machine itself (kernel files, sysctls, CapBnd).
# Privileged mode needs root (CI is root); rootless runs as nobody through setpriv.
set -u
. "$(dirname "$0")/lib.sh"

C=$CAPLAB
ROOT_OK=0
[ "$(id -u)" -eq 0 ] && ROOT_OK=1
LAST=$(cat /proc/sys/kernel/cap_last_cap)

# Kernel capability names from the kernel headers, independent of libcap and caplab.
declare -A CAPNUM CAPNAME
while read -r _ name num; do
    [ "$num" -le "$LAST" ] || continue
    CAPNUM[${name#CAP_}]=$num
    CAPNAME[$num]=${name#CAP_}
done < <(grep -E '^#define CAP_[A-Z_]+[[:space:]]+[0-9]+$' /usr/include/linux/capability.h |
    grep -v CAP_LAST_CAP)

# Documented outcome without the capability: an errno, or "silent" (the effect dropped).
declare -A WITHOUT=(
    [CHOWN]=EPERM [DAC_OVERRIDE]=EACCES [DAC_READ_SEARCH]=EACCES [FOWNER]=EPERM
    [FSETID]=silent [KILL]=EPERM [SETGID]=EPERM [SETUID]=EPERM [SETPCAP]=EPERM
    [LINUX_IMMUTABLE]=EPERM [NET_BIND_SERVICE]=EACCES [NET_BROADCAST]=EPERM [NET_ADMIN]=EPERM
    [NET_RAW]=EPERM [IPC_LOCK]=EPERM [IPC_OWNER]=EACCES [SYS_MODULE]=EPERM [SYS_RAWIO]=EPERM
    [SYS_CHROOT]=EPERM [SYS_PTRACE]=EPERM [SYS_PACCT]=EPERM [SYS_ADMIN]=EPERM [SYS_BOOT]=EPERM
    [SYS_NICE]=EACCES [SYS_RESOURCE]=EPERM [SYS_TIME]=EPERM [SYS_TTY_CONFIG]=EPERM [MKNOD]=EPERM
    [LEASE]=EACCES [AUDIT_WRITE]=EPERM [AUDIT_CONTROL]=EPERM [SETFCAP]=EPERM [SYSLOG]=EPERM
    [WAKE_ALARM]=EPERM [BLOCK_SUSPEND]=silent [AUDIT_READ]=EPERM [PERFMON]=EACCES [BPF]=EPERM
    [CHECKPOINT_RESTORE]=EPERM
)
# With the capability, these pass the capability check and then refuse a deliberately
# invalid argument (never a real reboot, clock change or module unload).
declare -A WITH_AFTER=([SYS_BOOT]=EINVAL [SYS_TIME]=EINVAL [SYS_MODULE]=ENOENT)

# Checked with ns_capable(): meaningful in a rootless sandbox (the reference's userns column).
ROOTLESS_MEANINGFUL="DAC_OVERRIDE DAC_READ_SEARCH SETPCAP NET_BIND_SERVICE NET_BROADCAST
    NET_ADMIN NET_RAW IPC_OWNER SYS_CHROOT SYS_PTRACE SYS_ADMIN SYS_BOOT SETFCAP CHECKPOINT_RESTORE"
# Meaningful rootless too, but they need a second user, which needs a subordinate id range.
ROOTLESS_OTHER_USER="CHOWN FOWNER FSETID KILL SETGID SETUID"

# Lines joined by spaces: t_match greps line by line, so multi-line patterns match this.
flat() { printf '%s' "$1" | tr '\n' ' '; }

sysctl_value() { tr -s ' \t' ' ' <"/proc/sys/$1" 2>/dev/null; }

# Why this machine cannot show a capability in privileged mode, or "" when it can. Decided
# from the machine, not from caplab; the second word is a regex the reason must match.
privileged_not_demonstrable() {
    case $1 in
    SYS_MODULE) [ -e /proc/modules ] || echo "CONFIG_MODULES" ;;
    SYS_RESOURCE)
        local bnd
        bnd=$((16#$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)))
        [ $((bnd >> CAPNUM[SYS_RESOURCE] & 1)) -eq 1 ] || echo "bounding set lacks SYS_RESOURCE"
        ;;
    BLOCK_SUSPEND) [ -e /sys/power/wakeup_count ] || echo "CONFIG_PM_SLEEP" ;;
    AUDIT_WRITE | AUDIT_CONTROL | AUDIT_READ) [ -e /proc/self/loginuid ] || echo "CONFIG_AUDIT" ;;
    MAC_OVERRIDE | MAC_ADMIN)
        ls /proc/self/attr/smack /proc/self/attr/selinux /proc/self/attr/apparmor >/dev/null 2>&1 ||
            echo "no active LSM consults it"
        ;;
    PERFMON) [ "$(sysctl_value kernel/perf_event_paranoid)" -ge 2 ] || echo "perf_event_paranoid" ;;
    BPF) [ "$(sysctl_value kernel/unprivileged_bpf_disabled)" -ne 0 ] || echo "unprivileged_bpf_disabled" ;;
    NET_BIND_SERVICE) ;; # a fresh network namespace starts at 1024 whatever the host has
    esac
}

# The row of CAP in `caplab probe` text output: "NAME|WITH|WITHOUT|VERDICT" (fixed columns).
row_of() {
    printf '%s\n' "$2" | awk -v cap="$1" 'substr($0, 1, 21) == sprintf("%-21s", cap) {
        w = substr($0, 22, 27); wo = substr($0, 49, 27); v = substr($0, 76)
        gsub(/ +$/, "", w); gsub(/ +$/, "", wo); gsub(/ +$/, "", v)
        print cap "|" w "|" wo "|" v; exit }'
}

# The "why" line following CAP's row.
why_of() {
    printf '%s\n' "$2" | awk -v cap="$1" '
        substr($0, 1, 21) == sprintf("%-21s", cap) { found = 1; next }
        found && /^    why / { sub(/^    why +/, ""); print; exit }
        found && /^[A-Z]/ { exit }'
}

expected_row() {
    local cap=$1 with=succeeded without
    [ -n "${WITH_AFTER[$cap]:-}" ] && with="succeeded (${WITH_AFTER[$cap]} after)"
    if [ "${WITHOUT[$cap]}" = silent ]; then without="silently ignored"; else without="denied ${WITHOUT[$cap]}"; fi
    echo "$cap|$with|$without|demonstrated"
}

# --- capabilities.json and explain ---------------------------------------------------------
list=$($C explain --list 2>&1)
t_eq "explain --list has one row per kernel capability" \
    "$(printf '%s\n' "$list" | tail -n +2 | wc -l)" "$((LAST + 1))"
missing=""
for n in "${!CAPNUM[@]}"; do
    printf '%s\n' "$list" | grep -Eq "^${CAPNUM[$n]} +$n " || missing="$missing $n"
done
t_eq "capabilities.json names every capability of this kernel with its number" "$missing" ""
extra=$(printf '%s\n' "$list" | tail -n +2 | awk '{ print $2 }' | while read -r n; do
    [ -n "${CAPNUM[$n]:-}" ] || echo "$n"; done)
t_eq "capabilities.json has no name the kernel does not know" "$extra" ""
t_eq "explain --list marks exactly Docker's 14 defaults" \
    "$(printf '%s\n' "$list" | awk '$3 == "yes"' | wc -l)" 14

out=$($C explain net_raw 2>&1)
t_match "explain NET_RAW: header, number and Docker default" "$out" \
    "^CAP_NET_RAW \(capability 13\): Docker grants it by default"
t_match "explain NET_RAW: everyday command and system call" "$out" "ping.*tcpdump|SOCK_RAW"
t_match "explain NET_RAW: related capability with a note" "$out" "NET_ADMIN +NET_ADMIN configures"
t_match "explain NET_RAW: how to try it" "$out" "caplab probe NET_RAW"
out=$($C explain CAP_SYS_ADMIN 2>&1)
t_match "explain SYS_ADMIN: not a Docker default, with a danger note" "$(flat "$out")" \
    "not in Docker's defaults.*Danger +Granting SYS_ADMIN"
t_match "explain DAC_READ_SEARCH: contrasts DAC_OVERRIDE" "$($C explain dac_read_search)" \
    "DAC_OVERRIDE +DAC_OVERRIDE grants everything DAC_READ_SEARCH does"
out=$($C explain --json FOWNER 2>&1)
t_match "explain --json" "$(flat "$out")" '"name": "FOWNER".*"docker_default": true'
out=$($C explain NET_RAWW 2>&1)
t_eq "explain of an unknown name: exit 2" "$?" 2
t_match "explain of an unknown name suggests the nearest" "$out" "did you mean NET_RAW"
bad=$(mktemp -d /tmp/caplab-explain.XXXXXX)
mkdir -p "$bad/assets"
printf '{"format": 1, "capabilities": [\n  {"name": "CHOWN",}\n]}\n' >"$bad/assets/capabilities.json"
out=$(CAPLAB_DATA=$bad $C explain CHOWN 2>&1)
t_eq "explain with a broken data file: exit 1" "$?" 1
t_match "explain names the broken file, line and column" "$out" \
    "$bad/assets/capabilities.json:2:[0-9]+: "
rm -rf "$bad"

# --- status ----------------------------------------------------------------------------
out=$($C status 2>&1)
host_bnd=$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
t_match "status: bounding set of caplab itself, in hex" "$out" "^bounding +$host_bnd "
t_match "status: the five sets, securebits, no_new_privs" "$(flat "$out")" \
    "effective.*permitted.*inheritable.*bounding.*ambient.*securebits +0x[0-9a-f]+: (none|[a-z-]+).*no_new_privs +0"
sleep 30 &
sleeper=$!
# The forked shell becomes "sleep" only once it has exec'd: wait for that, not a race.
for _ in $(seq 50); do [ "$(cat /proc/$sleeper/comm 2>/dev/null)" = sleep ] && break; sleep 0.02; done
out=$($C status "$sleeper" 2>&1)
t_match "status PID: another process, by pid" "$out" "^process +$sleeper \(sleep\)"
t_match "status PID: securebits are unknown for another process" "$out" "securebits +unknown"
kill "$sleeper" 2>/dev/null
wait "$sleeper" 2>/dev/null
out=$($C status 999999999 2>&1)
t_eq "status of a bad pid: usage error" "$?" 2
out=$($C status 4194000 2>&1)
t_eq "status of a missing process: exit 1" "$?" 1
t_match "status of a missing process says so" "$out" "no process 4194000"
t_match "status --json" "$($C status --json)" '"bounding": \['

if [ $ROOT_OK = 1 ]; then
    out=$($C run --cap-drop NET_RAW -- caplab status 2>&1)
    t_eq "caplab is on the sandbox's PATH: caplab run -- caplab status" "$?" 0
    bnd=$(printf '%s\n' "$out" | awk '$1 == "bounding" { print $3 }')
    t_match "status inside the sandbox: NET_RAW is not in the bounding set" \
        "$(printf '%s\n' "$out" | awk '$1 == "not" && $2 == "bounding"')" "(^|[ ,])NET_RAW(,| )"
    t_eq "status inside: bounding = Docker's defaults minus NET_RAW" "$(printf '%s' "$bnd" |
        tr , '\n' | grep -cx NET_RAW)" 0
    t_match "status inside: effective = Docker's 13 left" "$out" \
        "^effective +00000000a80405fb  CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,SETGID,SETUID,SETPCAP,NET_BIND_SERVICE,SYS_CHROOT,MKNOD,AUDIT_WRITE,SETFCAP"
    out=$($C run --no-new-privs --user nobody -- caplab status 2>&1)
    t_match "status inside as nobody with no_new_privs" "$(flat "$out")" \
        "uid +65534.*effective +0000000000000000  \(none\).*no_new_privs +1"
fi

# --- run --compare ---------------------------------------------------------------------
if [ $ROOT_OK = 1 ]; then
    out=$($C run --compare CHOWN --setup 'touch /tmp/f' -- chown nobody /tmp/f 2>&1)
    t_eq "run --compare: exit 0 when both runs happened" "$?" 0
    t_match "run --compare: both exit statuses side by side" "$(flat "$out")" \
        "^ +with CHOWN +without CHOWN.*exit status +0 +1"
    t_match "run --compare: stderr of the failing run" "$out" \
        "stderr +\(empty\) +chown: changing ownership of '/tmp/f': Operation not permitted"
    t_match "run --compare: says the capability matters" "$out" "makes a difference"
    out=$($C run --compare NET_ADMIN -- true 2>&1)
    t_match "run --compare: no difference for a command that does not need it" "$out" \
        "No visible difference"
    out=$($C run --compare NET_RAW --json -- sh -c 'echo hi; exec 3<>/dev/null' 2>&1)
    t_match "run --compare --json: both sides and the verdict" "$(flat "$out")" \
        '"capability": "NET_RAW".*"with": \{.*"without": \{.*"differs": false'
    out=$($C run --baseline none --compare NET_BIND_SERVICE --json -- \
        sh -c 'exec nc -l 127.0.0.1 80 & sleep 0.2; kill $!' 2>&1)
    t_match "run --compare keeps the other flags (baseline none): with/without sets" \
        "$(flat "$out")" '"with": \{ +"caps": \[ +"NET_BIND_SERVICE" +\],.*"without": \{ +"caps": \[\],'
fi
out=$($C run --compare NET_RAW 2>&1)
t_eq "run --compare without a command: usage error" "$?" 2
out=$($C run --compare NOPE -- true 2>&1)
t_eq "run --compare with an unknown capability: usage error" "$?" 2

# --- the probe matrix, privileged ------------------------------------------------------
check_matrix() {
    local mode=$1 text=$2 cap expected got reason why
    for cap in "${CAPNAME[@]}"; do
        got=$(row_of "$cap" "$text")
        why=$(why_of "$cap" "$text")
        if [ "$mode" = privileged ]; then
            reason=$(privileged_not_demonstrable "$cap")
        elif [[ " $(echo $ROOTLESS_MEANINGFUL) " == *" $cap "* ]]; then
            reason=""
        elif [ "$mode" = rootless-ranged ] && [[ " $ROOTLESS_OTHER_USER " == *" $cap "* ]]; then
            reason=""
        elif [[ " $ROOTLESS_OTHER_USER " == *" $cap "* ]]; then
            reason="another user"
        else
            reason="capable\(\)|initial user namespace|CONFIG_|no active LSM|another user"
        fi
        if [ -n "${WITHOUT[$cap]:-}" ] && [ -z "$reason" ]; then
            t_eq "$mode: $cap with -> success, without -> ${WITHOUT[$cap]}" "$got" \
                "$(expected_row "$cap")"
        elif [ -n "$reason" ]; then
            t_match "$mode: $cap is not demonstrable here, and says why ($reason)" \
                "$got / $why" "\|not-demonstrable / .*($reason)"
        else
            t_match "$mode: $cap (newer than the reference) is judged" "$got" "\|(demonstrated|not-demonstrable)$"
        fi
    done
}

if [ $ROOT_OK = 1 ]; then
    # Host state before the whole matrix, for the host-safety test at the end.
    host_name=$(hostname)
    host_mounts=$(wc -l </proc/self/mountinfo)
    host_init_mounts=$(wc -l </proc/1/mountinfo)
    host_timex=$("$CAPLAB_HELPERS/timex" | sed 's/ state=.*//')
    host_bnd=$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
    host_uid1000=$(pgrep -c -u 1000 || true)
    host_lo=$(cat /sys/class/net/lo/flags)
    host_msgq=$(wc -l </proc/sysvipc/msg)
    SYSCTLS="kernel/hostname kernel/domainname kernel/perf_event_paranoid
        kernel/unprivileged_bpf_disabled kernel/dmesg_restrict kernel/kptr_restrict
        kernel/modules_disabled vm/mmap_min_addr kernel/printk net/ipv4/ip_unprivileged_port_start
        net/ipv4/ping_group_range kernel/cap_last_cap kernel/sysrq kernel/ctrl-alt-del
        fs/protected_regular kernel/yama/ptrace_scope"
    host_sysctls=$(for s in $SYSCTLS; do echo "$s=$(sysctl_value "$s")"; done)
    t_before=$(date +%s)

    start=$SECONDS
    text=$($C probe --all --mode privileged 2>&1)
    rc=$?
    elapsed=$((SECONDS - start))
    t_eq "probe --all (privileged) exits 0: no probe contradicts its expectation" "$rc" 0
    t_eq "probe --all (privileged): one row per capability" \
        "$(printf '%s\n' "$text" | grep -cE '^[A-Z_]+ +(succeeded|denied|silently|not demonstrable|probe failed)')" \
        "$((LAST + 1))"
    check_matrix privileged "$text"
    t_match "probe --all (privileged): summary line" "$text" \
        "[0-9]+ demonstrated, [0-9]+ not demonstrable here, 0 contradict the expectation \($((LAST + 1)) pairs"

    # Host safety: nothing the matrix did is visible outside its sandboxes.
    t_after=$(date +%s)
    t_eq "host safety: hostname unchanged" "$(hostname)" "$host_name"
    drift=$((t_after - t_before - elapsed))
    t_check "host safety: wall clock consistent with the elapsed time (drift ${drift}s)" \
        test "$drift" -ge -2 -a "$drift" -le 2
    t_eq "host safety: adjtimex tick and status unchanged" \
        "$("$CAPLAB_HELPERS/timex" | sed 's/ state=.*//')" "$host_timex"
    t_eq "host safety: sysctls unchanged" \
        "$(for s in $SYSCTLS; do echo "$s=$(sysctl_value "$s")"; done)" "$host_sysctls"
    t_eq "host safety: our mount count unchanged" "$(wc -l </proc/self/mountinfo)" "$host_mounts"
    t_eq "host safety: init's mount count unchanged" "$(wc -l </proc/1/mountinfo)" \
        "$host_init_mounts"
    t_eq "host safety: the test's bounding set unchanged" \
        "$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)" "$host_bnd"
    t_eq "host safety: no uid-1000 helper left behind" "$(pgrep -c -u 1000 || true)" "$host_uid1000"
    t_eq "host safety: the host's loopback flags unchanged" "$(cat /sys/class/net/lo/flags)" "$host_lo"
    t_eq "host safety: no System V message queue left on the host" \
        "$(wc -l </proc/sysvipc/msg)" "$host_msgq"
    t_check "host safety: no probe files on the host's /tmp" test ! -e /tmp/caplab-probe

    json=$($C probe --all --json 2>&1)
    t_eq "probe --all --json: one object per capability" \
        "$(printf '%s\n' "$json" | grep -c '"capability": ')" "$((LAST + 1))"
    t_match "probe --all --json: with, without, verdict and why" "$(flat "$json")" \
        '"capability": "NET_RAW",.*"with": \{.*"result": "succeeded".*"without": \{.*"errno": "EPERM".*"verdict": "demonstrated",
      "why": "'
    t_match "probe --json: the three SYS_ADMIN twins say SYS_ADMIN was removed" \
        "$(flat "$(printf '%s\n' "$json" | grep -A5 '"capability": "BPF"')")" \
        '"also_dropped": \[ +"SYS_ADMIN"'

    # A probe that is not demonstrable says why: open the unprivileged path with Docker's
    # sysctls inside the sandbox's own network namespace.
    text=$($C probe --docker-sysctls NET_BIND_SERVICE 2>&1)
    t_match "NET_BIND_SERVICE with --docker-sysctls: not demonstrable" \
        "$(row_of NET_BIND_SERVICE "$text")" "\|not demonstrable\|not demonstrable\|not-demonstrable"
    t_match "... because ip_unprivileged_port_start opens port 80" "$text" \
        "ip_unprivileged_port_start is 0 in this sandbox's network namespace"
    t_eq "host safety: the host's ip_unprivileged_port_start is untouched" \
        "$(sysctl_value net/ipv4/ip_unprivileged_port_start)" \
        "$(printf '%s\n' "$host_sysctls" | sed -n 's|^net/ipv4/ip_unprivileged_port_start=||p')"
    text=$($C probe SYS_MODULE 2>&1)
    if [ -e /proc/modules ]; then
        t_match "SYS_MODULE: demonstrated with the nonexistent-module form" "$text" \
            "succeeded \(ENOENT after\) +denied EPERM"
    else
        t_match "SYS_MODULE without CONFIG_MODULES: not demonstrable, ENOSYS named" "$text" \
            "without module support \(CONFIG_MODULES\): delete_module returns ENOSYS"
    fi
    text=$($C probe perfmon bpf checkpoint_restore 2>&1)
    t_eq "PERFMON, BPF, CHECKPOINT_RESTORE: the notes say SYS_ADMIN was removed" \
        "$(printf '%s\n' "$text" | grep -c 'note     SYS_ADMIN removed from both runs')" 3
    text=$($C probe FSETID 2>&1)
    t_match "FSETID: without it chmod returns 0 but the setgid bit is gone" "$text" \
        "without +chmod returned 0 but the mode is 0755"
else
    t_skip "privileged probe matrix" "needs root"
fi

# --- the probe matrix, rootless (as nobody) --------------------------------------------
if [ $ROOT_OK = 1 ]; then
    text=$(as_nobody "$C" probe --all 2>&1)
    rc=$?
else
    text=$($C probe --all --mode rootless 2>&1)
    rc=$?
fi
t_eq "probe --all (rootless) exits 0" "$rc" 0
t_match "probe --all (rootless): the mode is named" "$text" "^Probes in rootless mode"
check_matrix rootless "$text"
t_match "rootless: a capable() check is explained" "$(why_of SYS_TIME "$text")" \
    "capable\(\), against the initial user namespace"

# --- rootless with a subordinate id range: the other-user probes become demonstrable. The
# range is given in a private mount namespace, so the host's /etc/subuid is never touched.
if [ $ROOT_OK = 1 ] && [ -x /usr/bin/newuidmap ]; then
    ids=$(mktemp -d)
    echo "nobody:200000:65536" >"$ids/subuid"
    printf 'nogroup:200000:65536\n65534:200000:65536\n' >"$ids/subgid"
    text=$(unshare -m sh -c 'mount --bind "$1/subuid" /etc/subuid &&
        mount --bind "$1/subgid" /etc/subgid &&
        setpriv --reuid=65534 --regid=65534 --clear-groups --reset-env "$2" probe --all' \
        sh "$ids" "$C" 2>&1)
    rc=$?
    rm -rf "$ids"
    t_eq "probe --all (rootless with a subuid range) exits 0" "$rc" 0
    check_matrix rootless-ranged "$text"
else
    t_skip "rootless matrix with a subordinate id range" "needs root and newuidmap (uidmap)"
fi

# --- usage --------------------------------------------------------------------------------
out=$($C probe 2>&1)
t_eq "probe without a capability: usage error" "$?" 2
out=$($C probe NET_RAWW 2>&1)
t_eq "probe with an unknown capability: exit 2" "$?" 2
t_match "probe with an unknown capability suggests the nearest" "$out" "did you mean NET_RAW"
out=$($C probe --all NET_RAW 2>&1)
t_eq "probe --all with names: usage error" "$?" 2

t_done
