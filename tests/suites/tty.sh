#!/usr/bin/env bash
# The interactive shell on a real terminal (spec §7), driven through tmux:
# send-keys types, capture-pane reads the screen. A multi-line statement and
# its continuation prompt, history recalled after a restart, Tab completion of
# a custom field and of a manager id, Ctrl-C at the prompt and during a long
# statement (with its progress line), the confirmation prompt, .maxrows
# elision, ~/.inputrc, and exit codes.
# Env: KASH = path of the kash binary, KASH_GEN = path of kash-gen.
set -u
kash=$(readlink -f "${KASH:?set KASH to the kash binary}")
gen=$(readlink -f "${KASH_GEN:-$(dirname "$kash")/kash-gen}")
data=$(cd "$(dirname "$0")/../data" && pwd)
pass=0 fail=0
if ! command -v tmux >/dev/null; then
    echo "tty: no tmux (tools/deps.sh installs it)"
    echo "tty: 0 passed, 1 failed"
    exit 1
fi
work=$(mktemp -d)
sock=kash-tty-$$
T() { tmux -L "$sock" "$@"; }
trap 'T kill-server 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
cp -r "$data/." .
mkdir home
export HOME=$work/home LC_ALL=C KASH_TODAY=2025-06-30 KASH_TEST=1 TZ=UTC
unset KASH_DB KASH_HISTORY
"$kash" --no-init t.db -f setup.inc >/dev/null || { echo "setup failed"; exit 1; }

ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL $*"
    screen | grep -v '^$' | tail -15 | sed 's/^/    | /'
}

# start ARGS...: kash in a fresh 120x50 terminal; the pane shows EXITED N at the end.
start() {
    T kill-server 2>/dev/null
    sleep 0.1
    T -f /dev/null new-session -d -s k -x 120 -y 50 \
        "cd '$work' && env HOME='$HOME' '$kash' $*; echo EXITED \$?; sleep 600"
    wait_for 'kash>' 5 || bad "kash did not start: $*"
}
screen() { T capture-pane -p -t k 2>/dev/null; }
# type TEXT: literal keys (a ';' at the end of a tmux argument would end the command)
type_() {
    local s=$1
    if [ "${s%;}" != "$s" ]; then
        T send-keys -t k -l "${s%;}"
        T send-keys -t k -H 3b
    else
        T send-keys -t k -l "$s"
    fi
}
key() { T send-keys -t k "$@"; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT (capture-pane drops
# the blanks at the end of a line: TEXT should not end in one)
wait_for() {
    local n=$((${2:-5} * 20))
    for _ in $(seq "$n"); do
        screen | grep -qF -- "$1" && return 0
        sleep 0.05
    done
    return 1
}
# expect NAME TEXT [SECONDS]
expect() { wait_for "$2" "${3:-5}" && ok || bad "$1: the screen never showed '$2'"; }
count_on_screen() { screen | grep -cF -- "$1"; }

# A multi-line statement: the continuation prompt until its ';'.
start t.db
type_ 'accounts'
key Enter
expect continuation-prompt '  ...>'
type_ '  | count;'
key Enter
expect multi-line-result '│    12 │'
screen | grep -q '^kash> accounts$' && screen | grep -q '^  \.\.\.>   | count;$' && ok ||
    bad "the statement's two lines as typed"
key C-d
expect ctrl-d-exits 'EXITED 0'
hist=$(grep -v '^#[0-9]' home/.kash_history)
[ "$hist" == "$(printf 'accounts\n  | count;')" ] && ok || bad "history entry: $hist"

# History after a restart: one Up brings back both lines; Enter runs them.
start t.db
key Up
expect history-recall-line1 'kash> accounts'
expect history-recall-line2 '  | count;'
key Enter
expect history-rerun '│    12 │'

# Tab: a custom field (employees came from the CSV), then a manager id.
key C-l
type_ 'accounts | select id, emp'
key Tab
type_ '|'
expect complete-custom-field 'accounts | select id, employees |'
key C-c
expect ctrl-c-clears '^C'
type_ 'accounts where manager = "m0'
key Tab
key Tab
expect complete-id-list 'm01  m02  m03  m04  m05'
type_ '3'
key Tab
type_ '| count;'
expect complete-id 'accounts where manager = "m03" | count;'
key Enter
expect complete-id-runs '│     3 │'

# Ctrl-C at the prompt drops the statement typed so far, over several lines.
key C-l
type_ 'accounts where'
key Enter
type_ '  tier ='
key C-c
expect ctrl-c-prompt '  ...>   tier =^C'
type_ 'managers | count;'
key Enter
expect ctrl-c-then-run '│     5 │'
screen | grep -q 'error' && bad "a statement dropped by Ctrl-C still ran" || ok

# .maxrows: a long table shows its ends and a footer, on a terminal only.
type_ '.maxrows 4'
key Enter
type_ 'accounts | select id;'
key Enter
expect maxrows-footer '12 rows (4 shown)'
expect maxrows-elision '│  …   │'

# Exit status after a failed statement: 1.
type_ 'accounts where nope = 1;'
key Enter
expect error-shown "unknown field 'nope'"
key C-d
expect exit-after-error 'EXITED 1'

# ~/.inputrc is read ($if kash sections too).
printf '$if kash\n"\\C-o": "managers | count;"\n$endif\n' >home/.inputrc
start t.db
key C-o
key Enter
expect inputrc-macro '│     5 │'
rm home/.inputrc

# The confirmation prompt of a mutation: 'n' changes nothing, 'y' applies.
cp t.db c.db
start c.db
type_ 'accounts where manager = "m01" | assign to "m02";'
key Enter
expect confirm-asks 'Apply 3 changes? [y/N]'
type_ 'n'
key Enter
expect confirm-no 'cancelled: nothing was changed'
key C-l
type_ 'accounts where manager = "m01" | count;'
key Enter
expect confirm-no-unchanged '│     3 │'
type_ 'accounts where manager = "m01" | assign to "m02";'
key Enter
wait_for 'Apply 3 changes? [y/N]'
type_ 'y'
key Enter
key C-l
sleep 0.3
type_ 'accounts where manager = "m02" | count;'
key Enter
expect confirm-yes '│     5 │'
key C-d

# Ctrl-C during a long statement: progress after a second, then the cancel
# returns to the prompt at once and the shell goes on.
if [ -x "$gen" ]; then
    mkdir big && "$gen" --accounts 20000 --interactions 3000000 --out big 2>/dev/null
    "$kash" --no-init big.db -c 'import interactions from "big/interactions.csv"' >/dev/null
    start big.db
    # (keys whose first is not in storage order: a hash of 3M groups, each
    # with samples for its median, so that the scan itself, which shows the
    # progress, lasts seconds; by account first, the groups would come in
    # order and be quick)
    type_ 'interactions | group by at, account, kind agg count() as n, sum(amount) as s, max(note) as m, median(amount) as md | count;'
    key Enter
    status=0 # the shell's exit status: 1 after the cancelled statement
    if wait_for 'rows/s' 20; then
        status=1
        ok
        t0=$(date +%s%N)
        key C-c
        if wait_for 'error: interrupted' 5; then
            ms=$((($(date +%s%N) - t0) / 1000000))
            [ "$ms" -lt 1000 ] && ok || bad "Ctrl-C took $ms ms to cancel the statement"
        else
            bad "Ctrl-C did not cancel the statement"
        fi
        screen | grep -q 'rows/s' && bad "the progress line stayed on the screen" || ok
        screen | grep -q '│ count' && bad "a cancelled statement printed a result" || ok
        type_ 'managers | count;'
        key Enter
        expect after-cancel '│     0 │'
    else
        echo "SKIP: the statement ended within a second; no progress, no Ctrl-C test"
    fi
    key C-d
    expect exit-after-cancel "EXITED $status"
else
    echo "SKIP: no kash-gen at $gen"
fi

echo "tty: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
