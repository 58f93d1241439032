#!/usr/bin/env bash
# End-to-end tests of the tutor: the real binary in a real terminal, driven through tmux
# (a private server, fixed size, send-keys, capture-pane). Each run is wrapped so that the
# terminal's modes are recorded before and after, and the exit status is kept.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"

CAPLAB=${CAPLAB:-$root/build/san/caplab}
COURSE=$root/tests/data/tutor/course.json
work=$(mktemp -d /tmp/caplab-tutor-test.XXXXXX)
# tmux keeps its sockets here, so they go with the rest.
export TMUX_TMPDIR=$work
run=0 # a counter: each run has its own files and its own tmux server
# A private tmux server per run (restarting one server races with its shutdown).
T() { tmux -L "caplab-test-$$-$run" -f /dev/null "$@"; }
cleanup() {
    local last=$run
    for run in $(seq 1 "$last"); do T kill-server 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

if ! command -v tmux >/dev/null; then
    t_skip "tutor end-to-end tests" "tmux is not installed"
    t_done
    exit
fi

# start [-x COLS] [-y ROWS] [-w WRAPPER] [ENV=VALUE...] -- ARGS...: run caplab (behind
# WRAPPER, a command prefix) in a fresh tmux session.
start() {
    local cols=100 rows=30 wrap=""
    while [ $# -gt 0 ]; do
        case $1 in
        -x) cols=$2; shift 2 ;;
        -y) rows=$2; shift 2 ;;
        -w) wrap=$2; shift 2 ;;
        --) shift; break ;;
        *) break ;;
        esac
    done
    local envs=()
    while [ $# -gt 0 ] && [[ $1 == *=* ]]; do envs+=("$1"); shift; done
    [ "${1:-}" = -- ] && shift
    R=$work/run$((run + 1))
    mkdir -p "$R"
    # The wrapper: modes before, caplab, status, modes after; then it stays for capture.
    {
        echo 'stty -a >"$R/stty.before"'
        printf '%s env LANG=C.UTF-8 TERM=xterm-256color XDG_STATE_HOME=%q' "$wrap" "$R/state"
        for e in "${envs[@]}"; do printf ' %q' "$e"; done
        printf ' %q' "$CAPLAB" "$@"
        echo ' 2>"$R/stderr"'
        echo 'echo $? >"$R/status"'
        echo 'stty -a >"$R/stty.after"'
        echo 'echo "[wrapper done]"'
        echo 'exec sleep 600'
    } >"$R/run.sh"
    T kill-server 2>/dev/null # the previous run's
    run=$((run + 1))
    T new-session -d -x "$cols" -y "$rows" -e "R=$R" "bash $R/run.sh"
    T set-option -g status off >/dev/null
}

screen() { T capture-pane -p; }

# wait_for REGEX [SECONDS]: until the screen matches (the sanitizer build starts slowly).
wait_for() {
    local deadline=$((SECONDS + ${2:-10}))
    while [ $SECONDS -lt $deadline ]; do
        screen | grep -Eq -- "$1" && return 0
        sleep 0.1
    done
    return 1
}

keys() {
    T send-keys "$@"
    sleep 0.3
}

# check_screen DESC REGEX: wait for it, record the result with the screen on failure.
check_screen() {
    if wait_for "$2" "${3:-10}"; then t_ok "$1"; else t_fail "$1" "$(screen)"; fi
}

# The tutor's process (the wrapper's child).
caplab_pid() { pgrep -P "$(T display -p '#{pane_pid}')" | head -n1; }

# finished DESC STATUS: wait for the wrapper, then check status, modes and cursor.
finished() {
    local desc=$1 want=$2
    if ! wait_for '^\[wrapper done\]' 15; then
        t_fail "$desc: caplab exits" "$(screen)"
        return
    fi
    t_eq "$desc: exit status" "$(cat "$R/status")" "$want"
    if cmp -s "$R/stty.before" "$R/stty.after"; then
        t_ok "$desc: terminal modes restored (stty -a unchanged)"
    else
        t_fail "$desc: terminal modes restored" "$(diff "$R/stty.before" "$R/stty.after")"
    fi
    t_eq "$desc: cursor visible" "$(T display -p '#{cursor_flag}')" 1
    t_eq "$desc: back from the alternate screen" "$(T display -p '#{alternate_on}')" 0
    if grep -q 'Sanitizer' "$R/stderr"; then t_fail "$desc: no sanitizer report" "$(cat "$R/stderr")"; fi
}

# ---- without a terminal, or with a terminal that cannot do it ----

out=$("$CAPLAB" --course "$COURSE" </dev/null 2>&1 >/dev/null)
t_eq "no terminal: exit status 2" "$?" 2
t_match "no terminal: says why" "$out" "the tutor needs a terminal, and standard output is not one"
t_match "no terminal: says what works instead" "$out" "Commands that work without a terminal"

out=$("$CAPLAB" tutor --bogus 2>&1)
t_eq "unknown option: usage error" "$?" 2

start TERM=dumb -- --course "$COURSE"
wait_for '^\[wrapper done\]' 10
t_eq "TERM=dumb: exit status 2" "$(cat "$R/status")" 2
t_match "TERM=dumb: a clear error" "$(cat "$R/stderr")" "TERM=dumb cannot move the cursor"
start TERM=no-such-terminal-xyz -- --course "$COURSE"
wait_for '^\[wrapper done\]' 10
t_eq "unknown TERM: exit status 2" "$(cat "$R/status")" 2
t_match "unknown TERM: a clear error" "$(cat "$R/stderr")" "TERM=no-such-terminal-xyz is unknown"

# A broken course is reported as text, file:line:col, before the screen is taken.
broken=$work/broken
mkdir -p "$broken"
cp "$root/tests/data/lessons/broken/syntax-error.json" "$broken/"
echo '{"format": 1, "title": "Broken", "lessons": ["syntax-error.json"]}' >"$broken/course.json"
start -- --course "$broken/course.json"
wait_for '^\[wrapper done\]' 10
t_eq "broken course: exit status 1" "$(cat "$R/status")" 1
t_match "broken course: the error names file, line and column" "$(cat "$R/stderr")" "syntax-error.json:5:3: expected"
start -- --course "$work/no-such-course.json"
wait_for '^\[wrapper done\]' 10
t_eq "missing course: exit status 1" "$(cat "$R/status")" 1
t_match "missing course: says which file" "$(cat "$R/stderr")" "no-such-course.json"

# ---- the course menu, reading, stepping, quitting ----

start -- --course "$COURSE"
check_screen "the first screen appears" "^caplab: (Tutor test course|Linux capabilities)"

check_screen "menu: shows the course" "^caplab: Tutor test course"
check_screen "menu: lesson 2 listed with its summary" "Drop one capability and watch ping fail"
check_screen "menu: progress in words" "1\. Root is not one power +new"
keys Enter
check_screen "open lesson 1: header names lesson and step" "Root is not one power \| Step 1/3"
check_screen "lesson: markup rendered (bullets, no backticks)" "• CAP_CHOWN changes the owner"
check_screen "lesson: position indicator" "lines 1-27 of [0-9]+"
keys G
check_screen "scroll: G goes to the bottom" "END-OF-INTRO"
check_screen "lesson: wide characters intact" "stay aligned: 日本語のテキスト\\.$"
keys g
check_screen "scroll: g back to the top" "lines 1-27 of"
keys j j
check_screen "scroll: j moves down a line" "lines 3-29 of"
keys k
check_screen "scroll: k moves up a line" "lines 2-28 of"
keys Space
check_screen "scroll: space pages down" "END-OF-INTRO"
keys PPage
check_screen "scroll: PgUp pages up" "lines 1-27 of"
keys n
check_screen "step: n goes to the next step" "Step 2/3: Docker's defaults"
keys p
check_screen "step: p comes back" "Step 1/3: Forty powers"
keys '?'
check_screen "help overlay lists the keys" "Keys on the lesson"
check_screen "help overlay is boxed" "┌─Help"
keys q
check_screen "q closes the overlay" "Step 1/3: Forty powers"
keys i
check_screen "i: pages for the capabilities on screen" "CAP_CHOWN.*"
check_screen "i: the page says whether Docker grants it" "in Docker's default set: yes"
keys Escape
keys q
check_screen "q goes back to the menu" "> 1\. Root is not one power"
keys q
finished "quit with q" 0

# ---- quiz: wrong, then right, with completion; progress shows in the menu ----
start CAPLAB_DATA="$root" -- --course "$COURSE"
wait_for "^caplab: "
keys Enter n n
check_screen "quiz step shows the question" "Which capability lets a process listen on port 80"
keys a
keys -l "net_admin"
keys Enter
check_screen "quiz: a wrong answer says so in words" "Not right"
check_screen "quiz: targeted feedback" "NET_ADMIN configures interfaces"
keys P
check_screen "proof: runs with the learner's answer" "With your answer \(NET_ADMIN\): FAIL" 30
check_screen "proof: and with the key" "With the key \(NET_BIND_SERVICE\): pass"
check_screen "proof: the two runs side by side in a wide window" "With your answer .* \| With the key"
check_screen "proof: what the comparison shows" "Missing: CAP_NET_BIND_SERVICE"
keys h
check_screen "quiz: h shows a hint" "Hint 1:.*binding"
keys a
keys -l "cap_net_b"
keys Tab
check_screen "quiz: Tab completes to the common prefix" "Answer: CAP_NET_B"
check_screen "quiz: Tab lists the candidates" "CAP_NET_BIND_SERVICE CAP_NET_BROADCAST"
keys -l "i"
keys Tab
check_screen "quiz: Tab completes the name" "Answer: CAP_NET_BIND_SERVICE"
keys F1
check_screen "quiz: F1 describes the capability being typed" "CAP_NET_BIND_SERVICE.*"
check_screen "quiz: from the capability reference" "Allows binding a socket to a privileged port"
keys Escape
check_screen "quiz: back to the answer line, text kept" "Answer: CAP_NET_BIND_SERVICE"
keys C-w
keys -l "net_bind_service"
keys Enter
check_screen "quiz: the right answer is accepted" "Correct"
keys x
check_screen "quiz: x shows the explanation" "Ports below 1024 are privileged"
keys q
check_screen "menu: progress marked for lesson 1" "1\. Root is not one power +done, quiz 1/1"
keys Q
finished "quit with Q" 0

# ---- progress survives a killed tutor, and the menu resumes ----
state=$work/kept-state
start XDG_STATE_HOME="$state" -- --course "$COURSE"
wait_for "^caplab: "
keys Enter n n a
keys -l "NET_BIND_SERVICE"
keys Enter
check_screen "progress: answered in the first session" "Correct"
kill -KILL "$(caplab_pid)"
wait_for '^\[wrapper done\]' 10
t_check "progress: saved to the state directory" test -s "$state/caplab/progress.json"
start XDG_STATE_HOME="$state" -- --course "$COURSE"
check_screen "progress: a new session shows lesson 1 done" "1\. Root is not one power +done, quiz 1/1"
check_screen "progress: the menu resumes on the next lesson" "^> 2\. Ping without NET_RAW"
keys k Enter n n
check_screen "progress: the solved quiz shows its explanation" "Ports below 1024 are privileged"
keys Q
finished "resumed session" 0

# ---- experiment: the sandbox and its shell ----
start -- --course "$COURSE"
wait_for "^caplab: "
keys j Enter
check_screen "experiment: the sandbox's set is shown" "dropped: NET_RAW"
check_screen "experiment: its docker run equivalent" "--cap-drop NET_RAW"
if screen | grep -q "sandbox unavailable"; then
    t_skip "sandbox shell" "sandboxes cannot start here"
else
    keys c
    check_screen "checks: a summary when they are done" "1 of 1 checks passed" 30
    keys G
    check_screen "checks: each result with what happened" "PASS ping fails: It failed"
    keys g
    keys s
    check_screen "shell: a banner says how to come back" "type .exit. or press Ctrl-D"
    check_screen "shell: the prompt shows the sandbox's capabilities" "\[caplab -NET_RAW\] #$"
    keys -l 'id -u; grep CapEff /proc/self/status'
    keys Enter
    check_screen "shell: id runs inside" "^0$"
    check_screen "shell: NET_RAW (bit 13) is not effective" "CapEff:[[:space:]]+00000000a80405fb"
    keys -l 'sleep 30; echo after-sleep'
    keys Enter
    sleep 0.5
    keys C-c
    keys -l 'echo still-here'
    keys Enter
    check_screen "shell: Ctrl-C goes to the shell's command, not the tutor" "^still-here$"
    T resize-window -x 80 -y 24
    sleep 0.5
    keys -l 'stty size'
    keys Enter
    check_screen "shell: a resize reaches the shell" "^24 80$"
    keys -l 'exit 3'
    keys Enter
    check_screen "shell: the tutor comes back at the new size" "^\[sandbox: .{50,}q back$"
    t_eq "shell: the status bar is on the new last line" "$(screen | sed -n 24p | cut -c1-9)" "[sandbox:"
    T resize-window -x 100 -y 30
    check_screen "shell: back in the tutor with the exit status" "Back from the sandbox shell \(exit status 3\)"
    keys G
    check_screen "shell: the step remembers it" "The last shell exited with status 3"
    wait_for "\[sandbox: .* q back$"
    keys s
    wait_for "\[caplab -NET_RAW\] #$"
    pane=$(T display -p '#{pane_pid}')
    kill -TERM "$(caplab_pid)"
    finished "SIGTERM while a shell is open" 143
    left=$(pgrep -P "$pane" | xargs -r ps -o comm= -p | grep -v '^sleep$')
    t_eq "SIGTERM while a shell is open: no process left behind" "$left" ""
fi
keys Q

# ---- rootless: an ordinary user gets sandboxes through a user namespace ----
shared=$(mktemp -d /tmp/caplab-tutor-nobody.XXXXXX)
chmod 1777 "$shared"
start -w "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --" \
    XDG_STATE_HOME="$shared" -- --course "$COURSE"
check_screen "rootless: the status bar says which mode" "^\[sandbox: (rootless|unavailable)"
if screen | grep -q "sandbox: rootless"; then
    keys j Enter s
    check_screen "rootless: a shell opens" "\[caplab -NET_RAW\] #$"
    keys -l 'id -u; grep CapEff /proc/self/status'
    keys Enter
    check_screen "rootless: root inside the user namespace" "^0$"
    check_screen "rootless: the same capability set" "CapEff:[[:space:]]+00000000a80405fb"
    keys C-d
    check_screen "rootless: back in the tutor" "Back from the sandbox shell"
else
    keys j Enter
    check_screen "no sandbox: the step says why" "Note:.*Sandboxes cannot start"
fi
keys Q
finished "rootless" 0
rm -rf "$shared"

# ---- resizing ----
start -- --course "$COURSE"
wait_for "^caplab: "
keys Enter
wait_for "lines 1-27 of"
before=$(screen | grep -Eo 'lines 1-27 of [0-9]+' | grep -Eo '[0-9]+$')
T resize-window -x 60 -y 20
check_screen "resize: the text reflows to the new width" " 1-17/[0-9]+$"
after=$(screen | head -n1 | grep -Eo '/[0-9]+$' | tr -d /)
t_check "resize: more lines when narrower ($before, then $after)" test "${after:-0}" -gt "${before:-0}"
widest=$(screen | wc -L)
t_check "resize: no line wider than 60 columns" test "$widest" -le 60
T resize-window -x 30 -y 8
check_screen "too small: says so instead of drawing garbage" "The window is too small for"
check_screen "too small: says how large it must be" "at least 40x10"
T resize-window -x 100 -y 30
check_screen "resize back: the lesson returns" "Step 1/3: Forty powers"
keys Q
finished "after resizing" 0

# ---- a running check can be cancelled, and takes its sandbox with it ----
start -- --course "$root/tests/data/tutor/slow/course.json"
wait_for "^caplab: "
keys Enter c
check_screen "check: a live status line while it runs" "Running check 1 of 1: sleeps a while"
wait_for_process() { for _ in $(seq 50); do pgrep -f "$1" >/dev/null && return 0; sleep 0.1; done; return 1; }
t_check "check: its command runs in the sandbox" wait_for_process "[s]leep 27.5"
keys Escape
check_screen "check: Esc cancels it" "Checks cancelled"
sleep 0.5
t_check "check: nothing left running after the cancel" sh -c '! pgrep -f "[s]leep 27.5"'
keys c
wait_for "Running check 1 of 1"
keys C-c
check_screen "check: Ctrl-C cancels it too (and the tutor stays)" "Checks cancelled"
keys Q
finished "cancelled checks" 0

# ---- the loader's sample course: every step of every lesson renders ----
SAMPLE=$root/tests/data/lessons/valid/course.json
if [ -f "$SAMPLE" ]; then
    start -- --course "$SAMPLE"
    wait_for "^caplab: "
    n_lessons=$(grep -o '\.json"' "$SAMPLE" | wc -l)
    keys Enter
    # n through every step; past a lesson's last step it opens the next lesson.
    for _ in $(seq 1 60); do
        screen | grep -q "last step of the course" && break
        T send-keys G n
        sleep 0.15
    done
    check_screen "sample course: n walks through every lesson to the end" "last step of the course"
    check_screen "sample course: ending in the last lesson" "Lesson $n_lessons/$n_lessons"
    keys Q
    finished "sample course" 0
fi

start -x 30 -y 8 -- --course "$COURSE"
check_screen "too small from the start: a clear message" "enlarge"
keys Q
finished "quit from the too-small message" 0

# ---- signals ----
start -- --course "$COURSE"
wait_for "^caplab: "
keys Enter
sleep 0.3
kill -TERM "$(caplab_pid)"
finished "SIGTERM" 143

start -- --course "$COURSE"
wait_for "^caplab: "
kill -HUP "$(caplab_pid)"
finished "SIGHUP" 129

start -- --course "$COURSE"
wait_for "^caplab: "
keys C-c
finished "Ctrl-C" 130

# A crash: the handler restores the terminal before the default action.
for sig in SEGV ABRT; do
    start -- --course "$COURSE"
    wait_for "^caplab: "
    keys Enter
    sleep 0.3
    kill -$sig "$(caplab_pid)"
    want=$((128 + $(kill -l $sig)))
    finished "fatal SIG$sig" "$want"
done

# ---- colour and plain modes ----
has_colour() { T capture-pane -p -e | grep -Eq $'\e\\[[0-9;]*(3[0-7]|38;5;[0-9]+|4[0-7])m'; }
start -- --course "$COURSE"
wait_for "^caplab: "
if has_colour; then t_ok "colours by default"; else t_fail "colours by default" "$(T capture-pane -p -e)"; fi
keys Q
start NO_COLOR=1 -- --course "$COURSE"
wait_for "^caplab: "
if has_colour; then t_fail "NO_COLOR: no colour" "$(T capture-pane -p -e | cat -v)"; else t_ok "NO_COLOR: no colour"; fi
pane_has() { T capture-pane -p -e | grep -Eq -- "$1"; }
pane_lacks() { ! T capture-pane -p -e | grep -Eq -- "$1"; }
t_check "NO_COLOR: selection still visible (reverse video)" pane_has $'\e\\[([0-9;]*;)?7m'
keys Q
finished "NO_COLOR" 0
start -- --no-color --course "$COURSE"
wait_for "^caplab: "
if has_colour; then t_fail "--no-color: no colour"; else t_ok "--no-color: no colour"; fi
keys Q

start -- --plain --course "$COURSE"
wait_for "^caplab: "
t_check "--plain: no attributes at all" pane_lacks $'\e\\['

t_check "--plain: the selection is marked in text" pane_has '^> 1\.'
keys '?'
wait_for "Keys on the course menu"
t_check "--plain: no box drawing" pane_lacks '[│┌─]'
keys q
keys Enter
check_screen "--plain: markers kept in the text" '- `CAP_CHOWN` changes the owner'
check_screen "--plain: emphasis written out" '\*privileged\*'
keys Q
finished "--plain" 0

t_done
