#!/usr/bin/env bash
# caplab progress and caplab report end to end: summaries, a corrupt file kept aside, a
# format 0 file migrated, a newer format left alone, reset with a backup, export, and a class
# report over good, duplicate and broken records. Everything in a temporary directory.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d /tmp/caplab-progress-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Each learner has their own state directory.
as_learner() {
    local who=$1
    shift
    XDG_STATE_HOME="$tmp/$who" "$CAPLAB" "$@"
}
state_file() { echo "$tmp/$1/caplab/progress.json"; }

out=$(as_learner empty progress 2>&1)
t_eq "no progress: exit 0" "$?" 0
t_match "no progress: says so" "$out" "No progress yet"

# A corrupt file is kept, byte for byte, and a warning names the copy.
mkdir -p "$tmp/broken/caplab"
printf '{"format": "caplab-progress", "version": 1, "lessons": {' >"$(state_file broken)"
err=$(as_learner broken progress 2>&1 >/dev/null)
t_match "corrupt file: warning" "$err" "warning: progress file .* was unusable .* kept as .*progress.json.corrupt-"
kept=$(ls "$tmp/broken/caplab"/progress.json.corrupt-* 2>/dev/null | head -n1)
t_eq "corrupt file: bytes kept" "$(cat "$kept")" '{"format": "caplab-progress", "version": 1, "lessons": {'

# A newer format is left alone.
mkdir -p "$tmp/future/caplab"
echo '{"format": "caplab-progress", "version": 9, "lessons": {}}' >"$(state_file future)"
err=$(as_learner future progress 2>&1)
t_eq "newer format: exit 1" "$?" 1
t_match "newer format: explained" "$err" "newer caplab"
t_eq "newer format: untouched" "$(cat "$(state_file future)")" '{"format": "caplab-progress", "version": 9, "lessons": {}}'

# Format 0 (see progress.h) is migrated; the old bytes are kept.
write_v0() {
    mkdir -p "$tmp/$1/caplab"
    cat >"$(state_file "$1")"
}
write_v0 ada <<'JSON'
{"done": ["drop-all/intro", "drop-all/ping", "net/intro"],
 "quizzes": {"drop-all/nc-port-80": {"tries": 2, "correct": true, "answers": ["NET_ADMIN", "NET_BIND_SERVICE"]},
             "net/raw": {"tries": 1, "correct": false, "answers": ["NET_ADMIN"]}}}
JSON
write_v0 bob <<'JSON'
{"done": ["drop-all/intro"],
 "quizzes": {"drop-all/nc-port-80": {"tries": 3, "correct": false, "answers": ["NET_ADMIN", "NET_RAW", "SYS_ADMIN"]}}}
JSON
out=$(as_learner ada progress 2>"$tmp/err")
t_match "migration: notice" "$(cat "$tmp/err")" "upgraded from format 0 to 1"
t_match "migration: summary row" "$out" "drop-all +2 +no +0/0 +1/1 +100%"
t_check "migration: old file kept" test -s "$(ls "$tmp/ada/caplab"/progress.json.v0-* | head -n1)"
t_match "migration: now format 1" "$(cat "$(state_file ada)")" '"version": 1'

# Export.
as_learner ada progress --export "$tmp/ada.json" --name "Ada Lovelace" >/dev/null 2>&1
t_eq "export: exit 0" "$?" 0
t_match "export: learner named" "$(cat "$tmp/ada.json")" '"learner": "Ada Lovelace"'
as_learner bob progress --export "$tmp/bob.json" --name "Bob" >/dev/null 2>&1
as_learner bob progress --export "$tmp/bob-again.json" --name "Bob" >/dev/null 2>&1
out=$(as_learner bob progress --export "$tmp/login.json" 2>&1)
t_match "export: default name is the login name" "$out" "Exported the progress of .+ to "
as_learner bob progress --name X >/dev/null 2>&1
t_eq "export: --name alone is a usage error" "$?" 2
as_learner bob progress --reset --export x >/dev/null 2>&1
t_eq "export: with --reset is a usage error" "$?" 2

# Reset.
as_learner ada progress --reset no-such-lesson >/dev/null 2>&1
t_eq "reset: unknown lesson exit 2" "$?" 2
out=$(as_learner ada progress --reset net 2>&1)
t_match "reset: names the backup" "$out" "kept as .*progress.json.before-reset-"
out=$(as_learner ada progress 2>&1)
t_match "reset: other lesson kept" "$out" "drop-all"
if printf '%s' "$out" | grep -q '^net '; then t_fail "reset: lesson gone" "$out"; else t_ok "reset: lesson gone"; fi

# Class report over good, duplicate, broken and missing records.
echo 'not json' >"$tmp/broken.json"
out=$("$CAPLAB" report "$tmp/ada.json" "$tmp/bob.json" "$tmp/bob-again.json" "$tmp/broken.json" \
    "$tmp/missing.json" 2>"$tmp/err")
t_eq "report: exit 0 despite bad files" "$?" 0
t_match "report: header" "$out" "Class report: 2 learners, 2 lessons, 2 questions"
t_match "report: Ada's row" "$out" "Ada Lovelace +drop-all +2/\\? +no +1/1 +100%"
t_match "report: question row" "$out" "nc-port-80 +2 +1 +50% +5 +NET_ADMIN \\(2\\), NET_RAW \\(1\\), SYS_ADMIN \\(1\\)"
t_match "report: duplicate named" "$out" "bob-again.json: a second record for learner \"Bob\""
t_match "report: broken named" "$out" "broken.json:1:"
t_match "report: missing named" "$out" "missing.json"
out=$("$CAPLAB" report --csv "$tmp/ada.json" "$tmp/bob.json" "$tmp/broken.json" 2>"$tmp/err")
t_match "report --csv: first header" "$(printf '%s' "$out" | head -n1)" "^learner,lesson,steps_done"
t_match "report --csv: questions table" "$out" "drop-all,nc-port-80,2,1,0,0.500,5,"
t_match "report --csv: problems on stderr" "$(cat "$tmp/err")" "warning: skipped .*broken.json"
out=$("$CAPLAB" report --json "$tmp/ada.json" "$tmp/bob.json" 2>&1)
t_match "report --json: a document" "$(printf '%s' "$out" | head -n1)" "^\\{$"
t_match "report --json: learners" "$out" '"name": "Ada Lovelace"'
t_match "report --json: wrong answers" "$out" '"answer": "NET_ADMIN",'$'\n'' *"learners": 2'

"$CAPLAB" report "$tmp/broken.json" >/dev/null 2>&1
t_eq "report: nothing usable exit 1" "$?" 1
"$CAPLAB" report >/dev/null 2>&1
t_eq "report: no files exit 2" "$?" 2
"$CAPLAB" report --csv --json "$tmp/ada.json" >/dev/null 2>&1
t_eq "report: two formats exit 2" "$?" 2

# A learner's name must not drive the instructor's terminal (escape sequences in records).
evil=$(printf 'eve\033[2J\033]0;pwned\007')
as_learner eve answer nc-port-80 NET_ADMIN >/dev/null 2>&1
as_learner eve progress --export "$tmp/eve.json" --name "$evil" >/dev/null 2>&1
for fmt in "" --csv --json; do
    out=$("$CAPLAB" report $fmt "$tmp/eve.json" 2>&1)
    if printf '%s' "$out" | LC_ALL=C grep -q "$(printf '[\001-\010\016-\037\177]')"; then
        t_fail "report ${fmt:-text}: control characters from a record are not printed" "$out"
    else
        t_match "report ${fmt:-text}: control characters from a record are not printed" "$out" "eve"
    fi
done

t_done
