#!/usr/bin/env bash
# caplab answer and caplab grade end to end, on the test lesson tests/data/grading/quiz-lesson.json
# (and the same lesson as the "bundled" course through CAPLAB_DATA): verdicts, exit statuses,
# hints and giving up recorded in progress, answer sheets in text, TAP and JSON.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d /tmp/caplab-answer-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export XDG_STATE_HOME="$tmp/state"
lesson="$CAPLAB_DATA/tests/data/grading/quiz-lesson.json"
course="$CAPLAB_DATA/tests/data/grading/course.json"

ans() { "$CAPLAB" answer --lesson "$lesson" "$@"; }

out=$(ans gs-port-80 NET_BIND_SERVICE 2>&1)
t_eq "correct: exit 0" "$?" 0
t_match "correct: verdict" "$out" "^Correct\\. You named CAP_NET_BIND_SERVICE\\."
t_match "correct: explanation" "$out" "Ports below 1024 need CAP_NET_BIND_SERVICE"
out=$(ans gs-port-80 net bind service 2>&1)
t_eq "spelling with spaces: exit 0" "$?" 0

rm -rf "$XDG_STATE_HOME"
out=$(ans gs-port-80 CAP_NET_BIND_SERVIC 2>&1)
t_eq "near miss: exit 1" "$?" 1
t_match "near miss: did you mean" "$out" "did you mean CAP_NET_BIND_SERVICE\\?"
t_match "near miss: does not count" "$out" "does not count"
out=$(ans gs-port-80 NET_ADMIN 2>&1)
t_eq "wrong: exit 1" "$?" 1
t_match "wrong: targeted feedback" "$out" "NET_ADMIN is for configuring the network"
t_match "wrong: first counted attempt" "$out" "Attempt 1\\."
out=$(ans gs-port-80 banana 2>&1)
t_match "invalid: explained" "$out" "\"banana\" is not a Linux capability"
out=$(ans gs-port-80 sys_admin 2>&1)
t_match "wrong without feedback: generic" "$out" "caplab explain SYS_ADMIN"
t_match "second counted attempt" "$out" "Attempt 2\\."

out=$(ans gs-port-80 --hint 2>&1)
t_match "hint 1" "$out" "^Hint 1 of 2: Ports below 1024 are privileged\\."
out=$(ans gs-port-80 --hint 2>&1)
t_match "hint 2" "$out" "^Hint 2 of 2: The capability has BIND"
out=$(ans gs-port-80 --hint 2>&1)
t_match "no more hints" "$out" "No more hints"
out=$(ans gs-port-80 2>&1)
t_match "question shown" "$out" "Which one capability"
t_match "question shown with hints so far" "$(printf '%s' "$out" | grep -c '^Hint [12]: ')" "^2$"

out=$(ans gs-identity SETUID 2>&1)
t_eq "partial: exit 1" "$?" 1
t_match "partial: score" "$out" "Partly right \\(50%\\)\\. Right: CAP_SETUID\\. Still missing: 1 capability\\."
out=$(ans gs-identity --give-up 2>&1)
t_match "give up: key" "$out" "The answer: CAP_SETGID, CAP_SETUID"

out=$("$CAPLAB" progress 2>&1)
t_match "progress: the lesson" "$out" "grading-sample +1/6 +no +0/0 +0/2 +25%"

out=$(ans gs-drop-all 2>&1)
t_match "choice question shown" "$out" "b\\) Only CHOWN"
ans gs-drop-all "(B)" >/dev/null 2>&1
t_eq "choice: (B) exit 0" "$?" 0
out=$(ans gs-drop-all a 2>&1)
t_match "choice: targeted" "$out" "An add wins over a drop of ALL"
ans gs-raw "A, C" >/dev/null 2>&1
t_eq "multi: A, C exit 0" "$?" 0
ans gs-bounding "No, never." >/dev/null 2>&1
t_eq "text: exit 0" "$?" 0
out=$(ans gs-bounding yes it can 2>&1)
t_match "text: targeted" "$out" "The bounding set only shrinks"

"$CAPLAB" answer --lesson "$course" gs-raw a c >/dev/null 2>&1
t_eq "--lesson with a course file" "$?" 0
CAPLAB_DATA="$tmp/data" true
mkdir -p "$tmp/data/lessons"
cp "$lesson" "$course" "$tmp/data/lessons/"
CAPLAB_DATA="$tmp/data" "$CAPLAB" answer gs-port-80 net-bind-service >/dev/null 2>&1
t_eq "bundled course (CAPLAB_DATA)" "$?" 0

ans no-such-quiz x >/dev/null 2>&1
t_eq "unknown quiz: exit 2" "$?" 2
"$CAPLAB" answer >/dev/null 2>&1
t_eq "no quiz: exit 2" "$?" 2
ans gs-port-80 --hint extra >/dev/null 2>&1
t_eq "--hint with an answer: exit 2" "$?" 2
# --prove: the proof in a sandbox with the answer's capabilities and with the key.
out=$(ans --prove gs-port-80 NET_BIND_SERVICE 2>&1)
t_eq "--prove, right answer: exit 0" "$?" 0
t_match "--prove, right answer: graded first" "$out" "^Correct\\."
t_match "--prove, right answer: both columns" "$out" "capabilities +NET_BIND_SERVICE +NET_BIND_SERVICE"
t_match "--prove, right answer: both work" "$out" "result +works +works"
t_match "--prove, right answer: verdict" "$out" "With CAP_NET_BIND_SERVICE the experiment works, as with the key\\."
out=$(ans --prove gs-port-80 NET_ADMIN 2>&1)
t_eq "--prove, wrong answer: exit 1" "$?" 1
t_match "--prove, wrong answer: side by side" "$out" "capabilities +NET_ADMIN +NET_BIND_SERVICE"
t_match "--prove, wrong answer: fails, key works" "$out" "result +FAILS +works"
t_match "--prove, wrong answer: the kernel's refusal" "$out" "stderr +nc: Permission denied +-"
t_match "--prove, wrong answer: what is missing" "$out" "Missing: CAP_NET_BIND_SERVICE\\."
out=$(ans --prove gs-port-80 "net bind service, sys admin" 2>&1)
t_match "--prove, too many: works but says what is extra" "$out" "CAP_SYS_ADMIN is more than it needs"
out=$(ans --prove gs-port-80 CAP_NET_BIND_SERVIC 2>&1)
t_match "--prove, near miss: nothing is run" "$out" "Nothing to prove"
out=$(ans --prove gs-identity SETUID 2>&1)
t_eq "--prove on a quiz without a proof: exit 2" "$?" 2
t_match "--prove on a quiz without a proof: says why" "$out" "has no proof experiment"
out=$(ans --prove gs-drop-all b 2>&1)
t_eq "--prove on a choice quiz: exit 2" "$?" 2
t_match "--prove on a choice quiz: says why" "$out" "not about capabilities"
"$CAPLAB" answer --lesson "$tmp/nope.json" gs-port-80 x >/dev/null 2>&1
t_eq "missing lesson file: exit 2" "$?" 2

# Answer sheets.
cat >"$tmp/sheet.json" <<'JSON'
{"gs-port-80": "net bind service", "gs-identity": ["SETUID"], "gs-drop-all": "a",
 "gs-raw": "a c", "not-a-quiz": "x"}
JSON
out=$("$CAPLAB" grade --lesson "$lesson" --answers "$tmp/sheet.json" 2>"$tmp/err")
t_eq "grade: exit 1 when not all correct" "$?" 1
t_match "grade: correct row" "$out" "gs-port-80 +correct +1.00"
t_match "grade: partial row names what is missing" "$out" "gs-identity +partial +0.50 .*Missing: CAP_SETGID\\."
t_match "grade: wrong row" "$out" "gs-drop-all +wrong +0.00 +An add wins"
t_match "grade: unanswered row" "$out" "gs-bounding +unanswered +0.00"
t_match "grade: unknown quiz listed" "$out" "not-a-quiz +unknown"
t_match "grade: unknown quiz warned" "$(cat "$tmp/err")" "no quiz \"not-a-quiz\""
t_match "grade: total" "$out" "Score: 2.50 / 5 \\(50%\\)"
out=$("$CAPLAB" grade --lesson "$lesson" --answers "$tmp/sheet.json" --tap 2>/dev/null)
t_match "grade --tap: plan" "$(printf '%s' "$out" | head -n1)" "^1\\.\\.6$"
t_match "grade --tap: ok line" "$out" "ok 1 - gs-port-80"
t_match "grade --tap: not ok line" "$out" "not ok 2 - gs-identity # partial 0.50"
out=$("$CAPLAB" grade --lesson "$lesson" --answers "$tmp/sheet.json" --json 2>/dev/null)
t_match "grade --json: percent" "$out" '"percent": 50\.0'
t_match "grade --json: missing list" "$out" '"missing": \['$'\n'' *"SETGID"'
echo '{"gs-port-80": "NET_BIND_SERVICE", "gs-raw": ["a", "c"]}' >"$tmp/good.json"
CAPLAB_DATA="$tmp/data" "$CAPLAB" grade --answers "$tmp/good.json" >/dev/null 2>&1
t_eq "grade: all correct from the bundled course: exit 0" "$?" 0
echo '["gs-port-80"]' >"$tmp/bad.json"
"$CAPLAB" grade --lesson "$lesson" --answers "$tmp/bad.json" >/dev/null 2>&1
t_eq "grade: sheet not an object: exit 2" "$?" 2
echo '{"gs-port-80": ' >"$tmp/bad.json"
out=$("$CAPLAB" grade --lesson "$lesson" --answers "$tmp/bad.json" 2>&1)
t_eq "grade: broken sheet: exit 2" "$?" 2
t_match "grade: broken sheet: position" "$out" "bad.json:[0-9]+:[0-9]+: "
"$CAPLAB" grade --lesson "$lesson" >/dev/null 2>&1
t_eq "grade: no --answers: exit 2" "$?" 2
"$CAPLAB" grade --lesson "$lesson" --answers "$tmp/sheet.json" --json --tap >/dev/null 2>&1
t_eq "grade: --json and --tap: exit 2" "$?" 2

out=$("$CAPLAB" grade --prove --lesson "$lesson" --answers "$tmp/sheet.json" 2>/dev/null)
t_eq "grade --prove: exit as without (1: not all correct)" "$?" 1
t_match "grade --prove: the sheet first" "$out" "Score: 2\\.50 / 5"
t_match "grade --prove: the proof of the quiz that has one" "$out" "Proof of gs-port-80: timeout 1 nc"
t_match "grade --prove: side by side" "$out" "result +works +works"
out=$("$CAPLAB" grade --prove --tap --lesson "$lesson" --answers "$tmp/sheet.json" 2>/dev/null)
t_eq "grade --prove --tap: every proof line is a comment" \
    "$(printf '%s\n' "$out" | grep -cvE '^(ok|not ok|#|1\.\.)')" 0
t_match "grade --prove --tap: proof shown" "$out" "# +result +works +works"
out=$("$CAPLAB" grade --prove --json --lesson "$lesson" --answers "$tmp/sheet.json" 2>/dev/null)
t_match "grade --prove --json: a proof member" "$out" '"verdict": "answer-works"'
echo '{"gs-drop-all": "b"}' >"$tmp/noproof.json"
out=$("$CAPLAB" grade --prove --lesson "$lesson" --answers "$tmp/noproof.json" 2>&1)
t_eq "grade --prove without provable quizzes: exit 2" "$?" 2
t_match "grade --prove without provable quizzes: says why" "$out" "none of these quizzes has a proof"

t_done
