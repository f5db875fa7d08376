#!/usr/bin/env bash
# Command line (spec §1): options, exit codes, where the database comes from,
# and that failed statements leave the database file byte for byte unchanged.
# Env: KASH = path of the kash binary.
set -u
kash=${KASH:?set KASH to the kash binary}
data=$(cd "$(dirname "$0")/../data" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cp -r "$data/." .
export LC_ALL=C KASH_TODAY=2025-06-30 KASH_TEST=1 TZ=UTC
unset KASH_DB
export HOME="$work/home" # no ~/.kashrc or history of the person running the tests
mkdir -p "$HOME"
pass=0 fail=0

# check NAME EXPECTED_EXIT EXPECTED_STDOUT_SUBSTRING_OR_EMPTY -- command...
check() {
    local name=$1 want_rc=$2 want_out=$3
    shift 4
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want_rc" ] && { [ -z "$want_out" ] || [[ "$out" == *"$want_out"* ]]; }; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $name: exit $rc (want $want_rc), output:"
        printf '%s\n' "$out" | head -10 | sed 's/^/    /'
        echo "    (wanted to contain: $want_out)"
    fi
}

"$kash" t.db -f setup.inc >/dev/null || { echo "setup failed"; exit 1; }

check version 0 "kash " -- "$kash" --version
check help 0 "usage: kash" -- "$kash" --help
check unknown-option 2 "unknown option" -- "$kash" --frobnicate t.db
check missing-arg 2 "needs an argument" -- "$kash" t.db -c
check bad-mode 2 "unknown mode" -- "$kash" -m xml t.db -c 'accounts | count'
check bad-define 2 "NAME=VALUE" -- "$kash" -D novalue t.db -c 'accounts | count'
check two-dbs 2 "one database" -- "$kash" a.db b.db
check ok 0 "12" -- "$kash" t.db -c 'accounts | count'
check syntax-error 1 "error: line 1, column 16" -- "$kash" t.db -c 'accounts where ;'
check runtime-error 1 "integer overflow" -- "$kash" t.db -c 'managers | select 9223372036854775807 + 1'
check repeat-c 0 "5" -- "$kash" t.db -c 'accounts | count' -c 'managers | count'
check bail-c 1 "" -- "$kash" t.db -c 'accounts where ;' -c 'managers | count'
out=$("$kash" t.db -c 'accounts where ;' -c 'managers | count' 2>/dev/null)
if [ -z "$out" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL bail-c: second -c ran"; fi
out=$("$kash" --no-bail t.db -c 'accounts where ;' -c 'managers | count' 2>/dev/null)
if [ "$out" = "$(printf 'count\n5')" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL no-bail: got '$out'"; fi
check trailing-no-semicolon 0 "12" -- "$kash" t.db -c 'accounts | count'
printf 'accounts | count;\nmanagers where id = "m01" | select name\n' >script.kash
check script 0 "Ann Lee" -- "$kash" t.db -f script.kash
check script-stdin 0 "Ann Lee" -- sh -c "\"$kash\" t.db -f - <script.kash"
check piped-stdin 0 "Ann Lee" -- sh -c "\"$kash\" t.db <script.kash"
printf 'accounts | count;\naccounts where nope = 1;\n' >bad.kash
check script-error 1 "bad.kash:2:16: error: unknown field 'nope'" -- "$kash" t.db -f bad.kash
check missing-script 2 "cannot open nothere.kash" -- "$kash" t.db -f nothere.kash
check kash-db-env 0 "12" -- env KASH_DB=t.db "$kash" -c 'accounts | count'
check default-db 0 "0" -- "$kash" -c 'accounts | count'
[ -e kash.db ] && { fail=$((fail + 1)); echo "FAIL default-db: a read created kash.db"; } || pass=$((pass + 1))
check variable 0 "3" -- "$kash" -D who=m01 t.db -c 'accounts where manager = $who | count'
check undefined-variable 1 "undefined variable '\$who'" -- "$kash" t.db -c 'accounts where manager = $who | count'
check json-mode 0 '[{"count":12}]' -- sh -c "\"$kash\" -m json t.db -c 'accounts | count' | tr -d '\n'"
echo "not an lmdb file, just text" >junk.db
check not-lmdb 2 "cannot open junk.db" -- "$kash" junk.db -c 'accounts | count'
check missing-directory 2 "No such file or directory" -- "$kash" nodir/sub/x.db -c 'accounts | count'
mkdir adir
check directory 2 "cannot open adir" -- "$kash" adir -c 'accounts | count'

# Read-only: imports refused, file unchanged.
sum=$(md5sum t.db)
check readonly-import 1 "read-only" -- "$kash" --readonly t.db -c 'import accounts from "accounts.csv"'
check readonly-query 0 "12" -- "$kash" --readonly t.db -c 'accounts | count'
[ "$(md5sum t.db)" = "$sum" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL readonly changed the file"; }

# Failed imports leave the database byte for byte as it was.
for f in edge/bad_utf8.csv edge/short_row.csv edge/bad_tier.csv edge/unterminated.csv; do
    sum=$(md5sum t.db)
    check "failed-import $f" 1 "$f:" -- "$kash" t.db -c "import accounts from \"$f\""
    [ "$(md5sum t.db)" = "$sum" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL $f changed the database"; }
done
# ... including one that fails on its last row after adding custom fields.
printf 'id,brand_new_field\nZ-1,10\nZ-2,20\nZ-3,oops\n' >late.csv
sed -i 's/^Z-3,oops$/Z-3,30\nZ-4,"unterminated/' late.csv
sum=$(md5sum t.db)
check late-failure 1 "unterminated quoted field" -- "$kash" t.db -c 'import accounts from "late.csv"'
[ "$(md5sum t.db)" = "$sum" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL late failure changed the database"; }
check late-failure-schema 1 "unknown field 'brand_new_field'" -- "$kash" t.db -c 'accounts | select brand_new_field'

# Long scans release their pages of the map now and then (every 64 MB; here
# after every row): rows held across a release (sort, group, buffered sinks) read
# the same. So do scans with a read-ahead thread (big databases only; here
# forced with KASH_AHEAD=1), also while releasing.
for q in 'accounts | sort revenue desc, id | select id, name, revenue, manager.name' \
         'interactions | sort amount desc, at, account | limit 40' \
         'accounts | group by region agg count(), sum(revenue), max(name)' \
         'interactions where kind = "order" | retention by month counts' \
         'kpi churn_rate, nps, aov by tier over 2024' \
         'accounts | rfm over 2024 | group by rfm agg count()'; do
    want=$(KASH_AHEAD=0 "$kash" t.db -m csv -c "$q" 2>&1)
    for env in KASH_RELEASE_BYTES=1 KASH_AHEAD=1 "KASH_AHEAD=1 KASH_RELEASE_BYTES=1"; do
        got=$(env $env "$kash" t.db -m csv -c "$q" 2>&1)
        if [ -n "$want" ] && [ "$got" = "$want" ]; then pass=$((pass + 1)); else
            fail=$((fail + 1)); echo "FAIL $env: $q"; diff <(echo "$want") <(echo "$got") | head -5; fi
    done
done

# The database file is private to its owner.
(umask 000 && "$kash" fresh.db -c 'import managers from "managers.csv"' >/dev/null)
mode=$(stat -c %a fresh.db)
[ "$mode" = 600 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL fresh.db mode $mode"; }

# undo on a database never written: an error, and no file made for it
check undo-nothing 1 "nothing to undo" -- "$kash" never.db -c 'undo'
[ ! -e never.db ] && [ ! -e never.db-lock ] && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL undo created never.db"; }

# --dry-run imports as for real (the summary counts the rows) and keeps nothing
sum=$(md5sum <t.db)
check dry-run-import 0 "preview: nothing was imported" -- "$kash" --dry-run t.db -c 'import accounts from "accounts.csv"'
[ "$(md5sum <t.db)" = "$sum" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL --dry-run import changed t.db"; }

# A failed export leaves the file it would have replaced as it was (and no
# temporary file beside it); a good one replaces it, keeping its mode; a
# symbolic link is written through.
mkdir ex && echo "last week's report" >ex/out.csv && chmod 640 ex/out.csv
check export-fails 1 "integer overflow" -- "$kash" t.db -c 'accounts | select id, if(id = "A-12", 9223372036854775807 * 2, 0) as x | export "ex/out.csv"'
[ "$(cat ex/out.csv)" = "last week's report" ] && [ "$(ls ex)" = out.csv ] && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL a failed export changed ex/: $(ls ex): $(head -2 ex/out.csv)"; }
check export-ok 0 "" -- "$kash" t.db -c 'accounts where tier = 1 | select id | export "ex/out.csv"'
[ "$(cat ex/out.csv)" = "$(printf 'id\nA-01\nA-02')" ] && [ "$(stat -c %a ex/out.csv)" = 640 ] &&
    [ "$(ls ex)" = out.csv ] && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL export over a file: $(ls ex), mode $(stat -c %a ex/out.csv)"; }
ln -s out.csv ex/link.csv
check export-link 0 "" -- "$kash" t.db -c 'managers | select id | limit 1 | export "ex/link.csv"'
[ -L ex/link.csv ] && [ "$(cat ex/out.csv)" = "$(printf 'id\nm01')" ] && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL export through a link: $(ls -l ex)"; }

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
