#!/usr/bin/env bash
# The man page and the README keep in step with the CLI: every command listed by
# `caplab --help` and every option its help shows are documented.
set -u
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
man=assets/caplab.1
# The man page as plain text (groff escapes removed), for searching.
man_text=$(mktemp)
trap 'rm -f "$man_text"' EXIT
sed -e 's/\\-/-/g' -e 's/\\fB//g; s/\\fR//g; s/\\fI//g' "$man" >"$man_text"
documented() { # DESC FILE REGEX: a short message, not the whole file, on failure
    if grep -Eq -- "$3" "$2"; then t_ok "$1"; else t_fail "$1" "no match for $3 in $2"; fi
}

commands=$("$CAPLAB" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } /^$/ { if (on) exit }')
t_match "caplab --help lists commands" "$commands" "run"
for cmd in $commands; do
    [ "$cmd" = help ] && continue
    documented "man page documents '$cmd'" "$man_text" "(^|[ ,])$cmd([ ,]|$)"
    documented "README mentions 'caplab $cmd'" README.md "caplab $cmd"
    for opt in $("$CAPLAB" help "$cmd" | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
        [ "$opt" = --help ] && continue
        documented "man page documents '$cmd $opt'" "$man_text" "$opt"
    done
done
t_check "man page renders without warnings" sh -c "man -l $man 2>&1 >/dev/null | grep -q . && exit 1 || exit 0"
t_done
