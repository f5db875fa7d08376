#!/usr/bin/env bash
# The by_revenue index (docs/storage.md) against the scan and sort it stands
# in for. Top-N queries and a mutation that picks its accounts by top-N give
# the same results with and without KASH_NO_INDEX=1 on generated demo-size
# data. A version-3 database (index_v3.dump: mdb_dump of the golden tests'
# data as kash wrote it before the index, with one `set revenue` batch) is
# read as it is, unchanged; its first write that commits builds the index
# and stamps version 8 (with the account and interaction columns), after
# which the index and the columns give the same answers.
# Env: KASH, KASH_GEN. Needs mdb_load and mdb_stat (lmdb-utils) for the
# version-3 part.
set -u
kash=$(readlink -f "${KASH:?}")
gen=$(readlink -f "${KASH_GEN:?}")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export LC_ALL=C TZ=UTC KASH_TEST=1 KASH_TODAY=2025-06-30 HOME="$work"
unset KASH_DB KASH_NO_INDEX
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# same NAME DB STATEMENT: the output is the same with the index and without
same() {
    local a b
    a=$("$kash" -m csv "$2" -c "$3" 2>&1)
    b=$(KASH_NO_INDEX=1 "$kash" -m csv "$2" -c "$3" 2>&1)
    if [ "$a" = "$b" ] && [ -n "$a" ]; then ok; else
        bad "$1: index and scan differ for: $3"
        diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -10 | sed 's/^/    /'
    fi
}

# each NAME STATEMENT...: same() for each, numbered
each() {
    local n=$1 i=0 q
    shift
    for q in "$@"; do
        i=$((i + 1))
        same "$n $i" g.db "$q"
    done
}

# -- generated data: 2000 accounts; a hundred made null, a hundred equal
"$gen" --accounts 2000 --managers 40 --interactions 20000 --seed 42 --out gen >/dev/null 2>&1
"$kash" g.db -c 'import managers from "gen/managers.csv"' -c 'import accounts from "gen/accounts.csv"' \
    -c 'import interactions from "gen/interactions.csv"' >/dev/null || { echo "import failed"; exit 1; }
"$kash" --yes g.db -c 'accounts where id <= "A-000100" | set revenue = null' \
    -c 'accounts where id > "A-000100" and id <= "A-000200" | set revenue = 50000' >/dev/null ||
    { echo "setup failed"; exit 1; }
[ "$("$kash" -m csv g.db -c 'accounts where revenue is null | count' | tail -1)" = 100 ] && ok ||
    bad "setup: not 100 null revenues"
each "top-N" 'accounts | sort revenue desc | limit 10' \
    'accounts | sort revenue | limit 15 offset 1890 | select id, revenue' \
    'accounts where region = "EMEA" | sort revenue desc, id | limit 20 | select id, name, revenue, manager.name as manager_name' \
    'accounts where tier = 1 and stage = "active" | sort revenue, id | limit 25 offset 5 | select id, revenue' \
    'accounts where revenue = 50000 or revenue is null | sort revenue desc | limit 30 offset 90 | select id, revenue' \
    'accounts where industry = "Healthcare" or strategic > 8 | sort revenue desc | limit 7 offset 3 | select id, revenue, industry, strategic' \
    'accounts where manager = "m07" | sort revenue asc | limit 10 | select id, revenue' \
    'accounts where revenue < 1000 | sort revenue desc | limit 5 | select id, revenue' \
    'accounts | sort revenue desc | limit 3000 | select id, revenue' \
    'accounts where name ~ /care/i | sort revenue | limit 500 | select id, revenue'
# a sort by id of accounts or managers takes the rows in the order a scan
# gives them (key order), stopping at the limit; other sorts do not
each "sort by id" 'accounts | sort id | limit 10' \
    'accounts where region = "EMEA" | sort id, revenue desc | limit 20 offset 5 | select id, revenue' \
    'accounts where tier = 2 | sort id | select id, tier' \
    'accounts | sort id asc, name | limit 1999 | select id' \
    'managers where capacity > 50 | sort id | select id, name' \
    'accounts | sort id desc | limit 5 | select id' \
    'accounts | sort name, id | limit 10 | select id, name' \
    'accounts | sort tier, id | limit 10 | select id, tier' \
    'accounts where revenue is null | sort upper(id) desc | limit 10 | select id'
# an account's interactions sorted by time (first key) and limited are read
# in time order, newest first for desc, up to the limit and the ties of its
# last time: A-000007 gets rows of equal times (some in a later import),
# rows without a time (first in key order, last in the sort) and rows of
# other kinds between
{
    echo "account,at,kind,amount,note"
    for i in 1 2 3 4 5 6; do echo "A-000007,2030-01-0$((i % 3 + 1)) 10:00:00,order,$i,tie$i"; done
    echo "A-000007,,call,,nul1"
    echo "A-000007,,order,7,nul2"
    echo "A-000007,2030-01-02 10:00:00,call,8,tie-call"
    echo "A-000007,1960-05-05 00:00:00,order,9,old"
} >ties1.csv
{
    echo "account,at,kind,amount,note"
    echo "A-000007,2030-01-03 10:00:00,order,10,tie-later"
    echo "A-000007,,order,11,nul3"
    echo "A-000007,2030-01-01 10:00:00,meeting,12,tie-later2"
} >ties2.csv
"$kash" g.db -c 'import interactions from "ties1.csv"' -c 'import interactions from "ties2.csv"' >/dev/null ||
    { echo "ties import failed"; exit 1; }
s='| select at, kind, amount, note'
each "account by time" "interactions where account = \"A-000007\" | sort at desc | limit 1 $s" \
    "interactions where account = \"A-000007\" | sort at desc | limit 2 $s" \
    "interactions where account = \"A-000007\" | sort at desc | limit 4 offset 1 $s" \
    "interactions where account = \"A-000007\" | sort at | limit 2 $s" \
    "interactions where account = \"A-000007\" | sort at asc | limit 3 offset 2 $s" \
    "interactions where account = \"A-000007\" | sort at desc | limit 100 $s" \
    "interactions where account = \"A-000007\" | sort at | limit 100 $s" \
    "interactions where account = \"A-000007\" | sort at desc, amount desc | limit 3 $s" \
    "interactions where account = \"A-000007\" | sort at, kind desc | limit 4 $s" \
    "interactions where account = \"A-000007\" and kind = \"order\" | sort at desc | limit 3 $s" \
    "interactions where account = \"A-000007\" | where amount > 2 | sort at desc | limit 2 offset 1 $s" \
    "interactions where account = \"A-000007\" | sort at desc | limit 1 offset 14 $s" \
    "interactions where account = \"A-000007\" | sort at desc | limit 0 $s" \
    "interactions where account = \"A-000100\" | sort at desc | limit 5 $s" \
    "interactions where account = \"A-000100\" | sort at | limit 5 offset 2 $s" \
    "interactions where account = \"A-001999\" | sort at desc | limit 3 $s" \
    "interactions where account = \"A-000000\" | sort at desc | limit 3 $s" \
    "interactions where account = \"A-009999\" | sort at desc | limit 3 $s" \
    "interactions where account = \"A-000100\" | sort at desc | select at, kind"
# the first row of the newest-first answer is the tie stored first
[ "$("$kash" -m csv g.db -c "interactions where account = \"A-000007\" | sort at desc | limit 1 | select note")" = \
    $'note\ntie2' ] && ok || bad "newest first: not the first-stored tie"
# a scan that hands its mapped pages back after every row reads the same
out=$(KASH_RELEASE_BYTES=1 "$kash" -m csv g.db -c 'accounts where region = "NA" | sort revenue desc | limit 50')
[ "$out" = "$(KASH_NO_INDEX=1 "$kash" -m csv g.db -c 'accounts where region = "NA" | sort revenue desc | limit 50')" ] &&
    ok || bad "KASH_RELEASE_BYTES=1: the index read differs"
# a mutation that picks its accounts through the index changes the same ones
cp g.db m1.db && cp g.db m2.db
m='accounts where region = "NA" | sort revenue desc | limit 15 | set tier = 1'
m2='accounts where manager in ("m01", "m02") | sort id | limit 30 | assign to ("m03", "m04") round-robin'
"$kash" --yes m1.db -c "$m" -c "$m2" >m1.out 2>&1
KASH_NO_INDEX=1 "$kash" --yes m2.db -c "$m" -c "$m2" >m2.out 2>&1
cmp -s m1.out m2.out && ok || bad "the mutation's output differs"
for q in 'history | select account, field, old, new' 'accounts | select id, tier, manager'; do
    [ "$("$kash" -m csv m1.db -c "$q")" = "$("$kash" -m csv m2.db -c "$q")" ] && ok ||
        bad "after the mutation: $q differs"
done

# -- a version-3 database
if ! command -v mdb_load >/dev/null || ! command -v mdb_stat >/dev/null || ! command -v mdb_dump >/dev/null; then
    echo "index: $pass passed, $fail failed (no mdb_load: the version-3 part skipped)"
    [ "$fail" -eq 0 ]
    exit
fi
version() { mdb_dump -n -p -s meta "$1" 2>/dev/null | sed -n '/^ version$/{n;s/^ \\0*\([0-9]\).*/\1/p;}'; }
indexed() { mdb_stat -n -s by_revenue "$1" 2>/dev/null | sed -n 's/^ *Entries: //p'; }
mdb_load -n -f "$here/index_v3.dump" v3.db 2>/dev/null
[ "$(version v3.db)" = 3 ] && [ -z "$(indexed v3.db)" ] && ok || bad "v3.db: not a version-3 file"
sum=$(md5sum <v3.db)
desc='accounts | sort revenue desc | limit 4 | select id, revenue'
asc='accounts | sort revenue | limit 3 offset 9 | select id, revenue'
# A-05's revenue was set to A-03's (640000): the tie comes in id order; A-08 has none
want_desc=$'id,revenue\nA-01,2500000\nA-02,1200000\nA-03,640000\nA-05,640000'
want_asc=$'id,revenue\nA-02,1200000\nA-01,2500000\nA-08,'
[ "$("$kash" -m csv v3.db -c "$desc")" = "$want_desc" ] && ok || bad "v3, read: $desc"
[ "$("$kash" --readonly -m csv v3.db -c "$asc")" = "$want_asc" ] && ok || bad "v3, read-only: $asc"
"$kash" --yes v3.db -c 'accounts | set tier = 9' >/dev/null 2>&1 # fails: nothing written
[ "$(md5sum <v3.db)" = "$sum" ] && ok || bad "v3: reads or a failed write changed the file"
# the first write: a mutation that picks A-01 and A-02 through the index built for it
out=$("$kash" --yes -m csv v3.db -c 'accounts | sort revenue desc | limit 2 | set tier = 2' 2>&1)
[ "$out" = $'accounts,changes,batch\n2,2,2' ] && ok || bad "v3, first write: $out"
[ "$(version v3.db)" = 8 ] && ok || bad "v3 after a write: version $(version v3.db)"
entries() { mdb_stat -n -s "$2" "$1" 2>/dev/null | sed -n 's/^ *Entries: //p'; }
[ "$(entries v3.db acols)" -gt 0 ] 2>/dev/null && ok || bad "v3 after a write: no account columns"
[ "$(entries v3.db icols)" -gt 0 ] 2>/dev/null && ok || bad "v3 after a write: no interaction columns"
for g in 'accounts | group by region agg count(), sum(revenue), max(name)' \
    'interactions | group by kind agg count(), sum(amount), max(at)'; do
    [ "$("$kash" -m csv v3.db -c "$g")" = "$(KASH_NO_COLUMNS=1 "$kash" -m csv v3.db -c "$g")" ] && ok ||
        bad "v3 after a write: columns and records differ for $g"
done
[ "$(indexed v3.db)" = 11 ] && ok || bad "v3 after a write: $(indexed v3.db) index entries, want 11"
[ "$("$kash" -m csv v3.db -c 'accounts where tier = 2 | select id')" = $'id\nA-01\nA-02\nA-03\nA-04\nA-05\nA-11' ] &&
    ok || bad "v3: the first write changed other accounts"
[ "$("$kash" -m csv v3.db -c "$desc")" = "$want_desc" ] && ok || bad "v4: $desc"
[ "$("$kash" -m csv v3.db -c "$asc")" = "$want_asc" ] && ok || bad "v4: $asc"
# undo both batches through store_put: the index follows
"$kash" v3.db -c 'undo' -c 'undo' >/dev/null
[ "$("$kash" -m csv v3.db -c "$desc")" = $'id,revenue\nA-01,2500000\nA-02,1200000\nA-05,880000\nA-03,640000' ] &&
    ok || bad "v4 after undo: $desc"
same "v4 desc" v3.db 'accounts | sort revenue desc | limit 20'
same "v4 asc" v3.db 'accounts where region != "APAC" | sort revenue, id | limit 20 | select id, revenue'

echo "index: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
