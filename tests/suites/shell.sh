#!/usr/bin/env bash
# The shell without a terminal (spec §1, §3, §7): exit codes, bail, scripts
# read as they arrive, ~/.kashrc, history, .output/.once, Ctrl-C in scripts,
# read-only files, and what Tab would offer (.complete). The terminal itself is
# tested by tty.sh.
# Env: KASH = path of the kash binary, KASH_GEN = path of kash-gen.
set -u
kash=$(readlink -f "${KASH:?set KASH to the kash binary}")
gen=$(readlink -f "${KASH_GEN:-$(dirname "$kash")/kash-gen}")
data=$(cd "$(dirname "$0")/../data" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cp -r "$data/." .
mkdir home
export HOME=$work/home LC_ALL=C KASH_TODAY=2025-06-30 KASH_TEST=1 TZ=UTC
unset KASH_DB KASH_HISTORY
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL $*"
}

# check NAME EXPECTED_EXIT EXPECTED_OUTPUT_SUBSTRING_OR_EMPTY -- command...
check() {
    local name=$1 want_rc=$2 want_out=$3
    shift 4
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want_rc" ] && { [ -z "$want_out" ] || [[ "$out" == *"$want_out"* ]]; }; then
        ok
    else
        bad "$name: exit $rc (want $want_rc), output:"
        printf '%s\n' "$out" | head -10 | sed 's/^/    /'
        echo "    (wanted to contain: $want_out)"
    fi
}

# same NAME EXPECTED ACTUAL
same() {
    if [ "$2" == "$3" ]; then ok; else
        bad "$1"
        diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | head -20 | sed 's/^/    /'
    fi
}

"$kash" --no-init t.db -f setup.inc >/dev/null || { echo "setup failed"; exit 1; }

# ---- exit codes (spec §1) ----
check exit-ok 0 "12" -- "$kash" t.db -c 'accounts | count'
check exit-syntax 1 "error: line 1, column 16" -- "$kash" t.db -c 'accounts where ;'
check exit-runtime 1 "unknown field" -- "$kash" t.db -c 'accounts where nope = 1'
check exit-dot 1 "unknown mode" -- "$kash" t.db -c '.mode xml'
check exit-usage 2 "unknown option" -- "$kash" --nope t.db
check exit-bad-define 2 "variable name" -- "$kash" -D 1x=2 t.db -c 'accounts | count'
check exit-missing-script 2 "cannot open nothere.kash" -- "$kash" t.db -f nothere.kash
check exit-script-dir 2 "Is a directory" -- "$kash" t.db -f csv
check exit-bad-db 2 "cannot open" -- "$kash" csv -c 'accounts | count'
check exit-undefined-var 1 "undefined variable '\$who'" -- "$kash" t.db -c 'accounts where manager = $who'
check help-options 0 "--dry-run" -- "$kash" --help

# ---- bail (spec §1): default on for -c, -f and pipes, off at the prompt ----
printf 'managers | count;\naccounts where nope = 1;\nmanagers | select id | limit 1;\n' >bad.kash
out=$("$kash" t.db -f bad.kash 2>/dev/null)
same bail-f-default "$(printf 'count\n5')" "$out"
out=$("$kash" t.db <bad.kash 2>/dev/null)
same bail-pipe-default "$(printf 'count\n5')" "$out"
check bail-pipe-exit 1 "stdin:2:16: error: unknown field 'nope'" -- sh -c "\"$kash\" t.db <bad.kash"
out=$("$kash" --no-bail t.db -f bad.kash 2>/dev/null)
same no-bail-f "$(printf 'count\n5\nid\nm01')" "$out"
check no-bail-exit 1 "" -- "$kash" --no-bail t.db -f bad.kash
out=$("$kash" t.db -c '.bail off' -f bad.kash 2>/dev/null)
same dot-bail-off "$(printf 'count\n5\nid\nm01')" "$out"
out=$("$kash" t.db -c 'accounts where ;' -c 'managers | count' 2>/dev/null)
same bail-c-default "" "$out"
# -i: the shell goes on after errors (stdin not a terminal: prompts echo)
out=$("$kash" -i t.db <bad.kash 2>&1)
rc=$?
[ "$rc" -eq 1 ] && [[ "$out" == *"kash> managers | select id | limit 1;"*"m01"* ]] && ok ||
    bad "-i goes on after an error (exit $rc): $out"
out=$("$kash" --bail -i t.db <bad.kash 2>&1)
[[ "$out" != *"m01"* ]] && ok || bad "--bail -i stops at the first error: $out"
# -i after -c: the statements, then the shell
out=$(printf 'managers | count;\n' | "$kash" -i -m csv t.db -c 'accounts | count' 2>&1)
[[ "$out" == *"12"*"kash> managers | count;"*"5"* ]] && ok || bad "-i after -c: $out"
# .quit ends everything, with the status so far
check quit-stops 0 "" -- "$kash" t.db -c '.quit' -c 'accounts where nope = 1'

# ---- scripts: several -f, '-', streaming, open end, BOM, CRLF ----
printf 'managers | count;\n' >one.kash
printf 'accounts | count;\n' >two.kash
out=$("$kash" t.db -f one.kash -f two.kash -c 'interactions | count' 2>&1)
same f-repeatable "$(printf 'count\n5\ncount\n12\ncount\n30')" "$out"
out=$(printf 'accounts | count' | "$kash" t.db -f one.kash -f - 2>&1)
same f-stdin "$(printf 'count\n5\ncount\n12')" "$out"
printf '\xEF\xBB\xBFmanagers | count;\r\naccounts\r\n  | count\r\n' >bom.kash
out=$("$kash" t.db -f bom.kash 2>&1)
same bom-crlf-open-end "$(printf 'count\n5\ncount\n12')" "$out"
printf 'managers | count;\naccounts where name = "unterminated\n' >open.kash
check open-string-at-end 1 'open.kash:2:23: error: unterminated string' -- "$kash" t.db -f open.kash
# piped statements run as they arrive, before the input ends
mkfifo in.fifo
"$kash" t.db <in.fifo >stream.out 2>&1 &
pid=$!
exec 3>in.fifo
echo 'managers | count;' >&3
for _ in $(seq 50); do grep -q 5 stream.out 2>/dev/null && break; sleep 0.1; done
grep -q 5 stream.out && ok || bad "a piped statement ran only at end of input"
echo 'accounts | count' >&3
exec 3>&-
wait $pid
same stream-rc "0 $(printf 'count\n5\ncount\n12')" "$? $(cat stream.out)"

# ---- Ctrl-C in a script: 130, and nothing changed ----
"$kash" t.db -f in.fifo >int.out 2>&1 &
pid=$!
exec 3>in.fifo
echo 'managers | count;' >&3
for _ in $(seq 50); do grep -q 5 int.out 2>/dev/null && break; sleep 0.1; done
kill -INT $pid
wait $pid
rc=$?
exec 3>&-
[ "$rc" -eq 130 ] && grep -q "error: interrupted" int.out && ok ||
    bad "SIGINT while a script waits for input: exit $rc, $(cat int.out)"
if [ -x "$gen" ]; then
    mkdir big && "$gen" --accounts 2000 --interactions 2000000 --out big 2>/dev/null
    "$kash" --no-init big.db -c 'import managers from "big/managers.csv"' >/dev/null
    sum=$(md5sum big.db)
    "$kash" --no-init big.db -c 'import interactions from "big/interactions.csv"' >big.out 2>&1 &
    pid=$!
    sleep 0.3
    t0=$(date +%s%N)
    kill -INT $pid
    wait $pid
    rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    [ "$rc" -eq 130 ] && grep -q "interrupted: nothing was imported" big.out && ok ||
        bad "SIGINT during an import: exit $rc, $(cat big.out)"
    [ "$ms" -lt 1000 ] && ok || bad "SIGINT took $ms ms to stop the import"
    [ "$(md5sum big.db)" = "$sum" ] && ok || bad "an interrupted import changed the database"
    # progress never goes to files or pipes
    "$kash" --no-init big.db -c 'managers | count' >/dev/null 2>prog.err
    "$kash" --no-init --readonly big.db -c 'interactions | count' 2>prog.err | cat >/dev/null
    grep -q "rows/s" prog.err && bad "progress written to a file" || ok
else
    echo "SKIP: no kash-gen at $gen"
fi

# ---- ~/.kashrc and --no-init ----
printf -- '-- start-up\n.mode json\n.set who m01\n.nullvalue -\n' >home/.kashrc
check kashrc-read 0 '[{"count":3}]' -- sh -c "\"$kash\" t.db -c 'accounts where manager = \$who | count' | tr -d '\n'"
check kashrc-no-init 1 "undefined variable" -- "$kash" --no-init t.db -c 'accounts where manager = $who | count'
check kashrc-mode-option-wins 0 "count" -- "$kash" -m csv t.db -c 'accounts where manager = $who | count'
check kashrc-define-wins 0 '[{"count":2}]' -- sh -c "\"$kash\" -D who=m02 t.db -c 'accounts where manager = \$who | count' | tr -d '\n'"
printf '.mode json\n.mode nonsense\nmanagers | count;\n' >home/.kashrc
out=$("$kash" t.db -c 'accounts | count' 2>&1)
rc=$?
[ "$rc" -eq 0 ] && [[ "$out" == *"$HOME/.kashrc:2:7: error: unknown mode 'nonsense'"* ]] &&
    [[ "$out" == *'[{"count":5}]'* || "$out" == *'{"count":5}'* ]] && [[ "$out" == *'"count":12'* ]] && ok ||
    bad "a .kashrc error is reported, the rest of it runs, and the exit status stays 0: $rc $out"
# a .bail on in it is for the session: the rest of .kashrc still runs after an error
printf '.bail on\n.bogus\n.set who m02\n' >home/.kashrc
check kashrc-bail-on 0 "count" -- "$kash" -m csv t.db -c 'accounts where manager = $who | count'
rm home/.kashrc

# ---- history: ~/.kash_history, one entry per statement, 0600 ----
rm -f home/.kash_history
printf 'accounts\n  | count;\n.mode csv\n' | "$kash" -i t.db >/dev/null 2>&1
hist=$(grep -v '^#[0-9]' home/.kash_history)
same history-multiline "$(printf 'accounts\n  | count;\n.mode csv')" "$hist"
[ "$(grep -c '^#[0-9]' home/.kash_history)" = 2 ] && ok || bad "history: two stamped entries: $(cat home/.kash_history)"
[ "$(stat -c %a home/.kash_history)" = 600 ] && ok || bad "history file mode $(stat -c %a home/.kash_history)"
out=$(printf '\033[A\n' | "$kash" -i t.db 2>&1)
[[ "$out" == *".mode csv"* ]] && ok || bad "history recall: $out"
KASH_HISTORY=$work/alt_history sh -c "printf 'managers | count;\n' | \"$kash\" -i t.db" >/dev/null 2>&1
grep -q "managers | count;" alt_history && ok || bad "KASH_HISTORY names the file"
before=$(cat home/.kash_history)
KASH_HISTORY= sh -c "printf 'interactions | count;\n' | \"$kash\" -i t.db" >/dev/null 2>&1
same "KASH_HISTORY= keeps no history" "$before" "$(cat home/.kash_history)"

# ---- .output, .once, pipes ----
"$kash" -m csv t.db -c '.output out.csv' -c 'managers | select id | limit 2' -c '.output' -c 'accounts | count' >screen.out
same output-file "$(printf 'id\nm01\nm02')" "$(cat out.csv)"
same output-screen "$(printf 'count\n12')" "$(cat screen.out)"
"$kash" -m csv t.db -c '.once once.csv' -c 'managers | count' -c 'accounts | count' >screen.out
same once-file "$(printf 'count\n5')" "$(cat once.csv)"
same once-screen "$(printf 'count\n12')" "$(cat screen.out)"
"$kash" -m csv t.db -c '.output |tr a-z A-Z >piped.txt' -c 'managers | select name | limit 1' -c '.output'
same output-pipe "$(printf 'NAME\nANN LEE')" "$(cat piped.txt)"
"$kash" -m csv t.db -c '.once |head -1 >head.txt' -c 'accounts | select id' >/dev/null
same once-pipe-closed-early "id" "$(cat head.txt)"
check stats 0 "$(printf 'database,t.db\nfile_bytes,')" -- "$kash" t.db -c '.stats'
out=$("$kash" t.db -c '.stats' | sed 1,3d)
same stats-counts "$(printf 'read_only,false\naccounts,12\nmanagers,5\ninteractions,30\nhistory,0\ncustom_fields,2')" "$out"
check timer 0 "Run Time: real " -- env -u KASH_TEST "$kash" t.db -c '.timer on' -c 'managers | count'

# ---- read-only ----
cp t.db ro.db
sum=$(md5sum ro.db)
check readonly-mutation 1 "read-only" -- "$kash" --readonly ro.db -c 'accounts | set tier = 1'
check readonly-undo 1 "read-only" -- "$kash" --readonly ro.db -c 'undo'
[ "$(md5sum ro.db)" = "$sum" ] && ok || bad "--readonly changed the file"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    mkdir rodir && cp t.db accounts.csv rodir/ && chown -R nobody rodir && chmod 444 rodir/t.db
    as_nobody() { (cd rodir && setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"); }
    sum=$(md5sum rodir/t.db)
    check ro-file-query 0 "12" -- as_nobody "$kash" --no-init t.db -c 'accounts | count'
    check ro-file-stats 0 "read_only,true" -- as_nobody "$kash" --no-init t.db -c '.stats'
    check ro-file-import 1 "the database is read-only" -- as_nobody "$kash" --no-init t.db -c 'import accounts from "accounts.csv"'
    check ro-file-set 1 "the database is read-only" -- as_nobody "$kash" --no-init t.db -c 'accounts | set tier = 1'
    [ "$(md5sum rodir/t.db)" = "$sum" ] && ok || bad "a read-only file changed"
elif [ "$(id -u)" -ne 0 ]; then
    cp t.db ro2.db && chmod 444 ro2.db
    check ro-file-query 0 "12" -- "$kash" --no-init ro2.db -c 'accounts | count'
    check ro-file-import 1 "the database is read-only" -- "$kash" --no-init ro2.db -c 'import accounts from "accounts.csv"'
fi

# ---- what Tab offers: .complete TEXT (the engine behind readline's Tab) ----
# comp TEXT EXPECTED... : the candidates, one per line, in order
comp() {
    local text=$1
    shift
    local want out
    want=$(printf '%s\n' "$@")
    [ $# -eq 0 ] && want=""
    out=$("$kash" --no-init -D who=m01 -D when=2024-01-01 t.db -c ".complete $text" 2>&1)
    if [ "$out" == "$want" ]; then ok; else
        bad "complete [$text]: got: $(echo $out)"
        echo "    want: $(echo $want)"
    fi
}
comp '' accounts history import interactions kpi managers report undo
comp 'acc' accounts
comp 'ACC' ACCOUNTS
comp 'accounts ' where
comp 'accounts | ' agg assign count export group kpi limit preview report retention retier rfm select set sort where
comp 'managers | s' select sort
comp 'accounts where emp' employees
comp 'accounts where we' website week\(
comp 'accounts where la' last_contact last_order
comp 'accounts where manager.' active capacity id load load_revenue name region
comp 'interactions where account.re' region revenue
comp 'interactions where account.emp' employees
comp 'interactions | sort a' abs\( account age\( amount at
comp 'accounts | select id, name as n, revenue * 2 | where n' n not now null nullif\( num\(
comp 'accounts | select id, revenue * 2 | sort `rev' 'revenue * 2'
comp 'accounts | group by tier agg count() as n | sort t' text\( tier today trim\( true
comp 'accounts | group by region agg s' sqrt\( stage strategic substr\( sum\(
comp 'accounts where tier ' and between ilike in is like not or
comp 'accounts where tier is ' not null
comp 'accounts where tier not ' between ilike in like
comp 'accounts | sort revenue ' and asc between desc ilike in is like not or
comp 'accounts | group by tier ' agg and as between ilike in is like not or
comp 'accounts | limit 5 ' offset
comp 'accounts where case ' when
comp 'accounts where manager = ' '"m01"' '"m02"' '"m03"' '"m04"' '"m05"'
comp 'accounts where manager = "m0' m01 m02 m03 m04 m05
comp 'accounts where manager in ("m01", "m' m01 m02 m03 m04 m05
comp 'managers where id != "m0' m01 m02 m03 m04 m05
comp 'accounts | assign to ' '"m01"' '"m02"' '"m03"' '"m04"' '"m05"' managers
comp 'accounts | assign to "m' m01 m02 m03 m04 m05
comp 'accounts | assign to ("m01", "m05"'
comp 'accounts | assign to ("m01", "m05") ' balanced preview round-robin
comp 'accounts | assign to managers where act' active
comp 'accounts | assign to managers where active ' and balanced between ilike in is like not or preview round-robin
comp 'accounts | assign to "m02" balanced ' by preview
comp 'accounts | set em' employees
comp 'accounts | set tier = 1, l'
comp 'accounts | set tier = 1 ' and between ilike in is like not or preview
comp 'accounts | retier ' by
comp 'accounts | retier by revenue top 10% = 1, ' next rest share top
comp 'undo ' force
comp 'accounts | rf' rfm
comp 'accounts | rfm ' over
comp 'accounts | rfm over '
comp 'accounts | rfm over 2024 | where rf' rfm rfm_monetary rfm_orders rfm_recency_days
comp 'accounts | rfm over 2024 | where r = 5 | set tier = if(f' f false first_order floor\(
comp 'accounts | rfm over 2024 | select id, rfm as seg | sort s' seg sqrt\( substr\(
comp 'interactions | rfm over 2024 | where rf'
comp 'interactions | retention by ' month quarter week year
comp 'interactions | retention by month ' activity counts cumulative from periods revenue
comp 'accounts | retention by quarter activity interactions where ki' kind
comp 'accounts where manager = $' '$when' '$who'
comp 'import ' accounts interactions managers
comp 'import accounts ' from
comp 'import accounts from "csv/' csv/bad_rows.csv csv/crm_export.csv csv/managers.tsv
comp 'import accounts from "csv/crm_export.csv" ' dates map on
comp 'import accounts from "csv/crm_export.csv" on ' conflict error
comp 'import accounts from "csv/crm_export.csv" on conflict ' skip update
comp 'import managers from "managers.csv" map ' active capacity id name region
comp 'import accounts from "csv/crm_export.csv" map id = `Acc' 'Account ID' 'Account Name'
comp 'import accounts from "csv/crm_export.csv" map id = O' OwnerId
comp 'accounts | export "csv/m' csv/managers.tsv
comp '.' .bail .complete .confirm .dryrun .exit .headers .help .maxrows .mode .nullvalue .once \
    .output .quit .read .schema .set .show .stats .target .timer
comp '.s' .schema .set .show .stats
comp '.mode j' json jsonl
comp '.bail ' off on
comp '.schema i' interactions
comp '.help s' schema scripts set show sources stages stats
comp '.read csv/m' csv/managers.tsv
comp '.read "csv/m' csv/managers.tsv
comp '.set ' when who
comp 'accounts | count; man' managers
comp 'accounts | select revenue as '
comp 'accounts where name = "A'

echo "shell: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
