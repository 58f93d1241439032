# Helpers for integration tests: source it, then call the assertions. Output is TAP.
#
#   t_ok DESC                      record a pass
#   t_fail DESC [DETAIL]           record a failure
#   t_check DESC CMD...            pass when CMD succeeds
#   t_eq DESC ACTUAL EXPECTED      pass when the strings are equal
#   t_match DESC TEXT REGEX        pass when TEXT matches the extended regex
#   t_skip DESC REASON             record a skip (counts as a pass, says why);
#                                  CAPLAB_STRICT=1 (CI) turns skips into failures
#   t_done                         print the plan; call last
#
# $CAPLAB is the sanitizer build of caplab, $CAPLAB_HELPERS the test helper programs.
t_count=0
t_failures=0

t_ok() {
    t_count=$((t_count + 1))
    echo "ok $t_count - $1"
}

t_fail() {
    t_count=$((t_count + 1))
    t_failures=$((t_failures + 1))
    echo "not ok $t_count - $1"
    if [ $# -gt 1 ]; then printf '%s\n' "$2" | sed 's/^/#   /'; fi
}

t_check() {
    local desc=$1
    shift
    local out
    if out=$("$@" 2>&1); then t_ok "$desc"; else t_fail "$desc" "$out"; fi
}

t_eq() {
    if [ "$2" = "$3" ]; then t_ok "$1"; else t_fail "$1" "expected: $3
got:      $2"; fi
}

t_match() {
    if printf '%s' "$2" | grep -Eq -- "$3"; then t_ok "$1"; else t_fail "$1" "expected to match: $3
got: $2"; fi
}

t_skip() {
    if [ "${CAPLAB_STRICT:-0}" = 1 ]; then
        t_fail "$1 (skipped in strict mode: $2)"
    else
        t_count=$((t_count + 1))
        echo "ok $t_count - $1 # SKIP $2"
    fi
}

t_done() {
    echo "1..$t_count"
    [ "$t_failures" -eq 0 ]
}

# An unprivileged identity for rootless tests: nobody, no groups, no capabilities.
as_nobody() {
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --reset-env -- "$@"
}
