#!/usr/bin/env bash
# Integration test of `caplab lint`: exit statuses, every broken lesson rejected with its exact
# messages, the valid sample and course accepted, directories and the bundled course.
set -u
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.." || exit 1
data=tests/data/lessons

# Every broken lesson: exit 1, exactly its expected lines, then the summary.
for f in "$data"/broken/*.json; do
    name=$(basename "$f")
    expected="${f%.json}.expected"
    out=$(cd "$data/broken" && "$CAPLAB" lint "$name" 2>&1)
    rc=$?
    n=$(wc -l <"$expected")
    t_eq "$name is rejected (exit 1)" "$rc" 1
    t_eq "$name reports its errors" "$out" "$(cat "$expected")
lint: 1 file, $n error$([ "$n" -eq 1 ] || echo s)"
done

out=$("$CAPLAB" lint "$data/valid/sample.json" 2>&1)
t_eq "the valid sample passes (exit 0)" "$?" 0
t_eq "the valid sample prints only the summary" "$out" "lint: 1 file, 0 errors"

out=$("$CAPLAB" lint "$data/valid/course.json" 2>&1)
t_eq "a valid course passes (exit 0)" "$?" 0
t_eq "a course counts itself and its lessons" "$out" "lint: 3 files, 0 errors"

out=$("$CAPLAB" lint "$data/valid" 2>&1)
t_eq "a directory with a course passes" "$?" 0
t_eq "lessons of the directory's course are checked once" "$out" "lint: 3 files, 0 errors"

out=$("$CAPLAB" lint "$data/broken" 2>&1)
t_eq "the broken directory fails (exit 1)" "$?" 1
total=$(cat "$data"/broken/*.expected | wc -l)
files=$(ls "$data"/broken/*.json | wc -l)
t_eq "a directory: every file, every error" "$(printf '%s\n' "$out" | tail -n 1)" \
    "lint: $files files, $total errors"
t_eq "a directory: one line per error" "$(printf '%s\n' "$out" | grep -vc '^lint: ')" "$total"

out=$("$CAPLAB" lint "$data/valid/sample.json" "$data/broken/empty-steps.json" 2>&1)
t_eq "several paths: errors make exit 1" "$?" 1
t_eq "several paths: summary" "$(printf '%s\n' "$out" | tail -n 1)" "lint: 2 files, 1 error"

tmp=$(mktemp -d /tmp/caplab-lint-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# A course with a typo and a lesson that is not there.
cp "$data/valid/sample.json" "$tmp/"
printf '{"format": 1, "title": "T", "lessons": ["sample.json", "gone.json"]}\n' >"$tmp/course.json"
out=$("$CAPLAB" lint "$tmp/course.json" 2>&1)
t_eq "a course with a missing lesson fails" "$?" 1
t_match "the missing lesson is named" "$out" \
    "course.json: /lessons/1: cannot read lesson file \".*/gone.json\": No such file or directory"

# A file named otherwise is recognised as a course by its "lessons" key.
mv "$tmp/course.json" "$tmp/my-course.txt"
out=$("$CAPLAB" lint "$tmp/my-course.txt" 2>&1)
t_match "a course is recognised by its lessons key" "$out" "cannot read lesson file"

out=$("$CAPLAB" lint "$tmp/nothing-here.json" 2>&1)
t_eq "a missing file fails with exit 1" "$?" 1
t_match "a missing file is named" "$out" "nothing-here.json: cannot read the file: No such file"

# The bundled course: CAPLAB_DATA decides where it is.
mkdir -p "$tmp/data/lessons"
cp "$data/valid/sample.json" "$data/valid/course.json" "$tmp/data/lessons/"
mkdir -p "$tmp/data/lessons/second" && cp "$data/valid/second/second.json" "$tmp/data/lessons/second/"
out=$(CAPLAB_DATA="$tmp/data" "$CAPLAB" lint 2>&1)
t_eq "no path: the bundled course is checked" "$?" 0
t_eq "no path: its summary" "$out" "lint: 3 files, 0 errors"
out=$(CAPLAB_DATA="$tmp/none" "$CAPLAB" lint 2>&1)
t_eq "no path and no bundled course: exit 1" "$?" 1
t_match "no bundled course is reported by name" "$out" "$tmp/none/lessons/course.json"

# The course shipped in lessons/ must always lint clean.
if [ -f lessons/course.json ]; then
    out=$(CAPLAB_DATA="$PWD" "$CAPLAB" lint 2>&1)
    t_eq "the bundled course lints clean" "$?" 0
    t_match "the bundled course: summary" "$out" "^lint: [0-9]+ files, 0 errors$"
else
    t_skip "the bundled course lints clean" "lessons/course.json is not written yet"
fi

# Usage.
out=$("$CAPLAB" lint --no-such-option 2>&1)
t_eq "an unknown option is a usage error (exit 2)" "$?" 2
t_match "an unknown option is named" "$out" 'unknown option "--no-such-option"'
out=$("$CAPLAB" lint --verify "$data/broken/empty-steps.json" 2>&1)
t_eq "--verify on a broken lesson: exit 1 (checks.test.sh tests the runs)" "$?" 1
t_match "--verify still prints the lint errors" "$out" "lint: 1 file, 1 error"
out=$("$CAPLAB" lint --help 2>&1)
t_eq "--help exits 0" "$?" 0
t_match "--help shows the usage" "$out" "Usage: caplab lint"
out=$("$CAPLAB" help lint 2>&1)
t_match "caplab help lint shows the usage" "$out" "Usage: caplab lint"
out=$("$CAPLAB" --help 2>&1)
t_match "lint is listed in caplab --help" "$out" "lint +check lesson"

t_done
