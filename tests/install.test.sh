#!/usr/bin/env bash
# make install puts the binary, the course, the assets and the man page under
# DESTDIR/PREFIX, and the installed binary finds its data there without CAPLAB_DATA.
set -u
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
t_check "make install succeeds" make -s install DESTDIR="$dest" PREFIX=/opt/caplab
bin=$dest/opt/caplab/bin/caplab
t_check "binary installed" test -x "$bin"
t_check "course installed" test -f "$dest/opt/caplab/share/caplab/lessons/course.json"
t_check "capability data installed" test -f "$dest/opt/caplab/share/caplab/assets/capabilities.json"
t_check "man page installed" test -f "$dest/opt/caplab/share/man/man1/caplab.1"
out=$(env -u CAPLAB_DATA "$bin" lint 2>&1)
t_match "installed binary lints its own course" "$out" "0 errors"
out=$(env -u CAPLAB_DATA "$bin" explain CHOWN 2>&1)
t_match "installed binary finds the capability data" "$out" "CAP_CHOWN"
out=$(env -u CAPLAB_DATA "$bin" run -- sh -c 'ls "$CAPLAB_DATA/lessons/course.json"' 2>&1)
t_match "the sandbox sees the installed data" "$out" "/run/caplab/data/lessons/course.json"
t_check "make uninstall removes it" sh -c "make -s uninstall DESTDIR='$dest' PREFIX=/opt/caplab && ! test -e '$bin'"
t_done
