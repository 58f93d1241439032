#!/usr/bin/env bash
# Integration test of checks and proofs against the kernel: `caplab lint --verify` on the valid
# sample (privileged and rootless), on lessons that are wrong on purpose (tests/data/verify/: a
# wrong key, a proof that cannot tell right from wrong, a key with a capability too many, checks
# and probes the kernel contradicts, a broken set-up, a hang), rootless-only steps, missing tools,
# and the bundled course (privileged as root, rootless as nobody).
set -u
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.." || exit 1
valid=tests/data/lessons/valid
wrong=tests/data/verify

if ! "$CAPLAB" run -- true >/dev/null 2>&1; then
    t_skip "checks run in sandboxes" "no sandbox here: $("$CAPLAB" run -- true 2>&1 | head -n 1)"
    t_done
    exit
fi

# --- The valid sample, privileged (root) ---------------------------------------------------
out=$("$CAPLAB" lint --verify "$valid" 2>&1)
t_eq "sample verifies (privileged, exit 0)" "$?" 0
for c in chown-without-cap/chown-fails chown-again nc-port-80-fails; do
    t_match "sample: $c passes" "$out" "^PASS  sample/$c$"
done
t_match "sample: the nc proof passes and fails without the key" "$out" \
    "PASS  sample/sample-nc-80 \(proof\): passes with CAP_NET_BIND_SERVICE and fails with none"
t_match "sample: a set proof also fails without each capability" "$out" \
    "PASS  sample/sample-setuid-set \(proof\): .* fails with none and without each of them"
t_match "sample: the CHOWN probe check passes" "$out" "^PASS  sample/chown-without-cap/chown-probe$"
t_match "sample: the summary counts" "$out" "^verify: 6 passed, 0 failed, 0 skipped of 6 checks and proofs"
t_match "sample: says the mode" "$out" "in privileged mode"

# --- The same, rootless as nobody -----------------------------------------------------------
out=$(as_nobody "$CAPLAB" lint --verify "$valid" 2>&1)
t_eq "sample verifies (rootless as nobody, exit 0)" "$?" 0
t_match "rootless: says the mode" "$out" "in rootless mode"
t_match "rootless: the chown step is privileged-only (nobody is not mapped)" "$out" \
    "SKIP  sample/chown-without-cap/chown-fails: skipped: needs privileged mode"
t_match "rootless: a check step inherits the experiment's modes" "$out" \
    "SKIP  sample/chown-again: skipped: needs privileged mode"
t_match "rootless: privileged-only step skipped with the lesson's note" "$out" \
    "SKIP  sample/nc-port-80-fails: skipped: needs privileged mode .*In rootless mode the sandbox root"
t_match "rootless: proofs run" "$out" "PASS  sample/sample-nc-80 \(proof\)"

# --- A wrong key, a proof that cannot tell, a key with one capability too many ---------------
out=$("$CAPLAB" lint --verify "$wrong/wrong-key.json" 2>&1)
t_eq "a wrong key fails verification (exit 1)" "$?" 1
t_match "a wrong key is named" "$out" \
    "FAIL  wrong-key/wrong-key-port-80 \(proof\): the key \(CAP_NET_ADMIN\) does not pass the proof"
t_match "a wrong key: both runs shown" "$out" "with NET_ADMIN: fails \(must pass\)"
t_match "a wrong key: what happened" "$out" "nc: Permission denied"

out=$("$CAPLAB" lint --verify "$wrong/cannot-tell.json" 2>&1)
t_eq "a proof that cannot tell fails verification (exit 1)" "$?" 1
t_match "a proof that cannot tell right from wrong is caught" "$out" \
    "FAIL  cannot-tell/cannot-tell-chown \(proof\): the proof also passes with no capabilities at all, so it cannot tell a right answer from a wrong one"

out=$("$CAPLAB" lint --verify "$wrong/too-many.json" 2>&1)
t_eq "a key with a needless capability fails (exit 1)" "$?" 1
t_match "the needless capability is named" "$out" "the proof also passes without CAP_KILL"

# --- Checks the kernel contradicts -------------------------------------------------------------
out=$("$CAPLAB" lint --verify --timeout 2 "$wrong/contradicted.json" 2>&1)
t_eq "contradicted checks fail verification (exit 1)" "$?" 1
t_match "a contradicted check: what was wrong" "$out" \
    "FAIL  contradicted/no-chown/chown-works: the command failed, but it should have succeeded"
t_match "a contradicted check: the file" "$out" "in tests/data/verify/contradicted.json"
t_match "a contradicted check: expected" "$out" "Expected: the command succeeds\."
t_match "a contradicted check: happened, with the stderr line" "$out" \
    "It failed with exit status 1\. stderr: chown: changing ownership of '/srv/f': Operation not permitted"
t_match "EPERM: the likely capability" "$out" "Likely cause: CAP_CHOWN is missing from this sandbox\."
t_match "the lesson's message for the check" "$out" "The lesson says: chown should work here\."
t_match "the right claim in the same step passes" "$out" "^PASS  contradicted/no-chown/chown-refused$"
t_match "a wrong stderr pattern is named" "$out" \
    "FAIL  contradicted/no-chown/wrong-message: stderr does not match /No such file/"
t_match "a ping copy without NET_RAW: likely capability" "$out" \
    "Likely cause: CAP_NET_RAW is missing from this sandbox\."
t_match "a broken set-up fails with its message" "$out" \
    "FAIL  contradicted/broken-setup: .*set-up failed \(status 3\): cannot prepare"
t_match "a hang never passes an expected failure" "$out" \
    "FAIL  contradicted/hangs: the command did not finish in time, so it proves nothing"
t_match "the hang was stopped at the timeout" "$out" "did not finish within 2 s"
t_match "summary" "$out" "^verify: 1 passed, 5 failed, 0 skipped of 6 checks and proofs"

# --- Probe checks: the built-in probe in the step's sandbox --------------------------------------
out=$("$CAPLAB" lint --verify "$wrong/probes.json" 2>&1)
t_eq "wrong probe claims fail verification (exit 1)" "$?" 1
t_match "a probe refused as expected passes" "$out" "^PASS  probes/no-net-raw/refused$"
t_match "a probe claim the kernel contradicts" "$out" \
    "FAIL  probes/no-net-raw/wrong-claim: the probe failed, but it should have succeeded"
t_match "the probe's call and errno are shown" "$out" \
    "The probe was refused with EPERM \(Operation not permitted\)\. socket\(AF_INET, SOCK_RAW"
t_match "a probe refusal names the capability" "$out" "Likely cause: CAP_NET_RAW is missing from this sandbox\."
t_match "a wrong errno is named" "$out" "FAIL  probes/no-net-raw/wrong-errno: the probe reported EPERM, not EACCES"
t_match "privileged: MKNOD probe refused without MKNOD" "$out" "^PASS  probes/mknod/mknod-refused$"
out=$(as_nobody "$CAPLAB" lint --verify "$wrong/probes.json" 2>&1)
t_match "rootless: the NET_RAW probe still shows it (ns_capable)" "$out" "^PASS  probes/no-net-raw/refused$"
t_match "rootless: a capable() probe's refusal proves nothing and says why" "$out" \
    "SKIP  probes/mknod/mknod-refused: the MKNOD probe cannot show it in rootless mode: the kernel checks MKNOD against the initial user namespace"

# --- A step shown in rootless mode only: root runs it in a rootless sandbox --------------------
out=$("$CAPLAB" lint --verify "$wrong/rootless-only.json" 2>&1)
t_eq "a rootless-only step verifies as root (exit 0)" "$?" 0
t_match "as root, a rootless-only step runs in a rootless sandbox" "$out" \
    "^PASS  rootless-only/userns/own-user-namespace \[rootless\]$"
out=$(as_nobody "$CAPLAB" lint --verify "$wrong/rootless-only.json" 2>&1)
t_eq "a rootless-only step verifies as nobody (exit 0)" "$?" 0
t_match "as nobody, no mode tag" "$out" "^PASS  rootless-only/userns/own-user-namespace$"

# --- Missing tools: reported, never a pass or a fail --------------------------------------------
out=$("$CAPLAB" lint --verify "$wrong/missing-tool.json" 2>&1)
t_eq "missing tools do not fail verification (exit 0)" "$?" 0
t_match "a declared missing tool is reported" "$out" \
    "SKIP  missing-tool/tools/declared: caplab-no-such-tool is not installed here"
t_match "an undeclared missing program is not a pass of an expected failure" "$out" \
    "SKIP  missing-tool/tools/undeclared: caplab-no-such-tool is not installed here"
t_match "exit 127 asked for is a real result" "$out" "^PASS  missing-tool/tools/not-found-expected$"
t_match "missing tools counted as skipped" "$out" "^verify: 1 passed, 0 failed, 2 skipped"

# The probe alternative, for a tool the hints know: a fake PATH cannot hide ping from the
# sandbox, so use a lesson whose tool is named by path.
tmp=$(mktemp -d /tmp/caplab-checks-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/ping-missing.json" <<'JSON'
{"format": 1, "id": "ping-missing", "title": "ping elsewhere",
 "steps": [{"kind": "check", "id": "ping", "sandbox": {"cap_drop": ["NET_RAW"]},
            "run": "/nonexistent/ping -c1 127.0.0.1", "tool": "/nonexistent/ping",
            "expect": {"outcome": "failure"}}]}
JSON
out=$("$CAPLAB" lint --verify "$tmp/ping-missing.json" 2>&1)
t_match "a missing ping points to the NET_RAW probe" "$out" \
    "/nonexistent/ping is not installed here.*\`caplab probe NET_RAW\` shows the same thing without /nonexistent/ping"

# --- All of tests/data/verify at once, in parallel and one at a time: same verdicts --------------
par=$("$CAPLAB" lint --verify --timeout 2 "$wrong" 2>&1 | grep -E '^(PASS|FAIL|SKIP)' | sort)
seq=$("$CAPLAB" lint --verify --timeout 2 --jobs 1 "$wrong" 2>&1 | grep -E '^(PASS|FAIL|SKIP)' | sort)
t_eq "parallel and sequential runs agree" "$par" "$seq"
for name in wrong-key cannot-tell too-many contradicted probes; do
    t_match "a directory: $name is caught" "$par" "^FAIL  $name/"
done

# --- Usage ---------------------------------------------------------------------------------------
out=$("$CAPLAB" lint --verify --jobs 0 "$valid" 2>&1)
t_eq "--jobs 0 is a usage error" "$?" 2
out=$("$CAPLAB" lint --verify --timeout x "$valid" 2>&1)
t_eq "--timeout x is a usage error" "$?" 2
out=$("$CAPLAB" lint --verify "$tmp/none.json" 2>&1)
t_eq "--verify on a missing file: exit 1" "$?" 1

# --- The bundled course: every check and proof holds, privileged and rootless --------------------
if [ -f lessons/course.json ]; then
    start=$SECONDS
    out=$(CAPLAB_DATA="$PWD" "$CAPLAB" lint --verify 2>&1)
    rc=$?
    t_eq "the bundled course verifies in privileged mode" "$rc" 0
    [ "$rc" -eq 0 ] || printf '%s\n' "$out" | grep -A6 '^FAIL' | sed 's/^/# /'
    echo "# privileged: $(printf '%s\n' "$out" | tail -n 1) [$((SECONDS - start)) s]"
    start=$SECONDS
    out=$(as_nobody env CAPLAB_DATA="$PWD" "$CAPLAB" lint --verify lessons/course.json 2>&1)
    rc=$?
    t_eq "the bundled course verifies in rootless mode (as nobody)" "$rc" 0
    [ "$rc" -eq 0 ] || printf '%s\n' "$out" | grep -A6 '^FAIL' | sed 's/^/# /'
    echo "# rootless: $(printf '%s\n' "$out" | tail -n 1) [$((SECONDS - start)) s]"
else
    t_skip "the bundled course verifies" "lessons/course.json is not written yet"
fi

t_done
