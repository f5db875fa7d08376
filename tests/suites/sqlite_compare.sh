#!/usr/bin/env bash
# Differential test: kash against sqlite3 on the same generated data.
#
#   KASH=build/kash KASH_GEN=build/kash-gen bash tests/suites/sqlite_compare.sh [CASE...]
#
# kash-gen writes a small data set, topped up with the hand-made rows of
# tests/suites/sqlite/extra_*.csv; it is imported into a kash database and,
# by tests/suites/sqlite/setup.sql, into an sqlite3 database (typed tables,
# empty strings made NULL, views accounts_x and managers_x adding the fields
# kash derives). Every case tests/suites/sqlite/NN_name.kash has its SQL twin
# NN_name.sql; both run (kash -m csv, sqlite3 -csv -header) and
# tests/suites/sqlite/compare.awk compares the outputs: field by field, numbers
# within a relative 1e-9, true/false = 1/0 (see the comments there).
# A .kash file with a line "-- compare-file: NAME" is compared through the
# file NAME it writes (export) instead of its standard output.
# CASE arguments (e.g. 24 or 24_join_account_region) run only those cases.
# SQLITE_COMPARE_KEEP=1 keeps the work directory (databases, last outputs).
# Prints "ok NAME" or "FAIL NAME" and the first differences per case, then
# "sqlite_compare: N passed, N failed"; exit status 1 when anything failed.
set -u
export LC_ALL=C TZ=UTC KASH_TODAY=2025-06-30 KASH_TEST=1
unset KASH_DB

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cases=$here/sqlite
pass=0 fail=0

finish() {
    echo "sqlite_compare: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
}
setup_fail() {
    echo "FAIL setup: $*"
    fail=$((fail + 1))
    finish
}

kash=${KASH:-}
gen=${KASH_GEN:-}
[ -n "$kash" ] && [ -x "$kash" ] || setup_fail "KASH is not an executable: '${kash}'"
[ -n "$gen" ] && [ -x "$gen" ] || setup_fail "KASH_GEN is not an executable: '${gen}'"
command -v sqlite3 >/dev/null || setup_fail "sqlite3 is not installed (apt-get install sqlite3)"
kash=$(readlink -f "$kash")
gen=$(readlink -f "$gen")

work=$(mktemp -d "${TMPDIR:-/tmp}/kash-sqlite.XXXXXX") || setup_fail "mktemp"
if [ -n "${SQLITE_COMPARE_KEEP:-}" ]; then
    echo "keeping $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi
cd "$work" || setup_fail "cd $work"

# 1. Data.
"$gen" --accounts 3000 --managers 30 --interactions 40000 --seed 7 --out data \
    >gen.log 2>&1 || setup_fail "kash-gen: $(tail -3 gen.log)"

# Hand-made rows for edge cases the generator does not produce: a manager
# without open accounts, an account whose manager is unknown, null revenue, a
# padded and a quoted name, a leap day, boundary timestamps, interactions of an
# account that does not exist yet (the import creates it), CRLF line ends.
cp "$cases"/extra_*.csv data/ || setup_fail "copying the extra CSVs"

# 2. The kash database.
(cd data && "$kash" -m csv ../k.db \
    -c 'import managers from "managers.csv"' \
    -c 'import accounts from "accounts.csv"' \
    -c 'import interactions from "interactions.csv"' \
    -c 'import managers from "extra_managers.csv"' \
    -c 'import accounts from "extra_accounts.csv"' \
    -c 'import interactions from "extra_interactions.csv"') >import.log 2>&1 ||
    setup_fail "kash import: $(tail -5 import.log)"

# 3. The sqlite database.
(cd data && sqlite3 -bail ../s.db <"$cases/setup.sql") >sqlite.log 2>&1 ||
    setup_fail "sqlite3 setup: $(tail -5 sqlite.log)"
[ -s sqlite.log ] && setup_fail "sqlite3 setup: $(head -5 sqlite.log)"

# Sanity check of both imports: the row counts of the three tables.
for t in accounts managers interactions; do
    k=$("$kash" -m csv k.db -c "$t | count" 2>&1 | tail -1)
    s=$(sqlite3 s.db "SELECT count(*) FROM $t" 2>&1)
    [ "$k" = "$s" ] || setup_fail "$t: kash has $k rows, sqlite $s"
done

# 4. The cases.
selected() {
    [ $# -eq 0 ] && return 0
    local want
    for want in "${@}"; do
        case $name in "$want" | "$want"_*) return 0 ;; esac
    done
    return 1
}

for kfile in "$cases"/[0-9]*.kash; do
    name=$(basename "$kfile" .kash)
    selected "$@" || continue
    sfile=$cases/$name.sql
    if [ ! -f "$sfile" ]; then
        echo "FAIL $name"
        echo "    no $name.sql next to $name.kash"
        fail=$((fail + 1))
        continue
    fi
    rm -rf run "runs/$name" && mkdir -p run runs
    outfile=$(sed -n 's/^-- compare-file: *//p' "$kfile" | head -1)
    (cd run && "$kash" -m csv -f "$kfile" ../k.db) >run/kash.out 2>run/kash.err
    krc=$?
    sqlite3 -bail -csv -header s.db <"$sfile" >run/sql.out 2>run/sql.err
    src=$?
    msg=""
    if [ "$krc" -ne 0 ] || [ -s run/kash.err ]; then
        msg="    kash exit $krc: $(head -c 600 run/kash.err)"
    elif [ "$src" -ne 0 ] || [ -s run/sql.err ]; then
        msg="    sqlite3 exit $src (a bug in $name.sql): $(head -c 600 run/sql.err)"
    else
        kout=run/kash.out
        if [ -n "$outfile" ]; then
            if [ -s run/kash.out ]; then
                msg="    export printed to stdout: $(head -c 300 run/kash.out)"
            elif [ ! -f "run/$outfile" ]; then
                msg="    kash wrote no $outfile"
            fi
            kout=run/$outfile
        fi
        if [ -z "$msg" ]; then
            msg=$(awk -f "$cases/compare.awk" "$kout" run/sql.out) ||
                [ -n "$msg" ] || msg="    compare.awk failed"
        fi
    fi
    cp -r run "runs/$name"
    if [ -z "$msg" ]; then
        echo "ok $name"
        pass=$((pass + 1))
    else
        echo "FAIL $name"
        printf '%s\n' "$msg"
        fail=$((fail + 1))
    fi
done

# 5. Random cases (tests/suites/sqlite/random.awk): SQLITE_RANDOM_N pairs
# (default 200) from seed SQLITE_RANDOM_SEED (default 1), each counted as a
# case "random-K"; run unless CASE arguments leave out "random".
name=random
if selected "$@"; then
    awk -v seed="${SQLITE_RANDOM_SEED:-1}" -v n="${SQLITE_RANDOM_N:-200}" \
        -f "$cases/random.awk" >random.txt || setup_fail "random.awk"
    k=0
    while IFS=$'\t' read -r side text; do
        if [ "$side" = kash ]; then
            kq=$text
            continue
        fi
        k=$((k + 1))
        "$kash" -m csv k.db -c "$kq" >r.kash 2>&1
        krc=$?
        printf '%s\n' "$text" | sqlite3 -bail -csv -header s.db >r.sql 2>&1
        msg=""
        if [ "$krc" -ne 0 ]; then
            msg="    kash exit $krc: $(head -c 600 r.kash)"
        else
            msg=$(awk -f "$cases/compare.awk" r.kash r.sql) || [ -n "$msg" ] || msg="    compare.awk failed"
        fi
        if [ -z "$msg" ]; then
            pass=$((pass + 1))
        else
            echo "FAIL random-$k"
            printf '    kash: %s\n    sql:  %s\n%s\n' "$kq" "$text" "$msg"
            fail=$((fail + 1))
        fi
    done <random.txt
    echo "ok random ($k cases, seed ${SQLITE_RANDOM_SEED:-1})"
fi

finish
