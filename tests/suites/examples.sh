#!/usr/bin/env bash
# The saved scripts of examples/*.kash against the sample data (kash-gen with
# its default sizes, imported): each runs read-only without an error, gives
# the result sets it promises, and fails cleanly without its -D variables.
# Env: KASH = path of the kash binary, KASH_GEN = path of kash-gen.
set -u
kash=$(readlink -f "${KASH:?set KASH to the kash binary}")
gen=$(readlink -f "${KASH_GEN:-$(dirname "$kash")/kash-gen}")
ex=$(cd "$(dirname "$0")/../../examples" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir home
export HOME=$work/home LC_ALL=C KASH_TODAY=2025-06-30 KASH_TEST=1 TZ=UTC
unset KASH_DB
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL $*"
}

"$gen" --out data 2>/dev/null || { echo "kash-gen failed"; echo "examples: 0 passed, 1 failed"; exit 1; }
"$kash" sample.db -c 'import managers from "data/managers.csv"' \
    -c 'import accounts from "data/accounts.csv"' \
    -c 'import interactions from "data/interactions.csv"' >/dev/null ||
    { echo "import failed"; echo "examples: 0 passed, 1 failed"; exit 1; }

# run NAME ARGS...: the example read-only, in csv; sets $out and $rc
run() {
    local name=$1
    shift
    out=$("$kash" --readonly -m csv "$@" -f "$ex/$name.kash" sample.db 2>&1)
    rc=$?
}
# has NAME TEXT: the last output contains TEXT
has() { [[ "$out" == *"$2"* ]] && ok || bad "$1: no '$2' in the output"; }
# headers NAME N: the output has N header lines (one per result set)
headers() {
    local n
    n=$(printf '%s\n' "$out" | grep -c "$2")
    [ "$n" -eq "$3" ] && ok || bad "$1: $n lines match '$2', want $3"
}
clean() { [ "$rc" -eq 0 ] && [[ "$out" != *"error"* ]] && ok || bad "$1: exit $rc: $(echo "$out" | grep error | head -3)"; }

# Every example has a header comment saying how to run it.
for f in "$ex"/*.kash; do
    head -8 "$f" | grep -q "kash .*-f examples/$(basename "$f")" && ok || bad "$(basename "$f"): no usage line"
done

# The weekly book review of one manager.
run weekly_book_review -D manager=m07
clean weekly
has weekly-manager "id,name,region,active,capacity,load,spare,load_revenue"
printf '%s\n' "$out" | grep -q '^m07,' && ok || bad "weekly: no row for m07"
has weekly-book "tier,accounts,revenue,lifetime_revenue"
has weekly-activity "kind,n,amount"
has weekly-quiet "id,name,tier,stage,revenue,last_contact,days_quiet"
has weekly-surveys "nps_responses,avg_nps,csat_responses,avg_csat"
# every account listed belongs to m07: compare with a query of our own
n_book=$("$kash" --readonly -m csv sample.db -c 'accounts where manager = "m07" and closed is null | count' | tail -1)
n_tiers=$(printf '%s\n' "$out" | sed -n '/^tier,accounts,/,/^[a-z_]*,[a-z_]*,/p' | sed '1d;$d' |
    awk -F, '{s += $2} END {print s}')
[ "$n_book" = "$n_tiers" ] && ok || bad "weekly: the tiers hold $n_tiers accounts, m07 has $n_book"
run weekly_book_review
[ "$rc" -eq 1 ] && [[ "$out" == *"weekly_book_review.kash:"*"undefined variable '\$manager'"* ]] && ok ||
    bad "weekly without -D manager: exit $rc: $(echo "$out" | head -2)"
run weekly_book_review -D manager=nobody
clean weekly-unknown-manager
out=$("$kash" --readonly -m markdown -D manager=m07 -f "$ex/weekly_book_review.kash" sample.db 2>&1)
[[ "$out" == *"| id  | name"* ]] && ok || bad "weekly in markdown"

# The at-risk list: one result set, every row open and at risk or quiet.
run at_risk_accounts
clean at-risk
headers at-risk '^id,name,tier,stage,region,revenue,' 1
rows=$(($(printf '%s\n' "$out" | wc -l) - 1))
want=$("$kash" --readonly -m csv sample.db -c 'accounts where closed is null and (stage = "at_risk" or last_contact < 2025-06-30 - 60d or (last_contact is null and stage in ("prospect", "onboarding"))) | count' | tail -1)
[ "$rows" -gt 0 ] && [ "$rows" = "$want" ] && ok || bad "at-risk: $rows rows, want $want"
out=$("$kash" --readonly -m jsonl -f "$ex/at_risk_accounts.kash" sample.db 2>&1)
[ "$(printf '%s\n' "$out" | grep -c '"closed"')" -eq 0 ] && ok || bad "at-risk lists a field it should not"
[ "$(printf '%s\n' "$out" | grep -vc '"stage":"at_risk"\|"days_quiet":\(6[0-9]\|[7-9][0-9]\|[0-9][0-9][0-9]\+\)\|"last_contact":null')" -eq 0 ] && ok ||
    bad "at-risk: a row neither at risk nor quiet for 60 days"

# The quarterly tier review.
run quarterly_tier_review -D quarter=2025-Q2
clean quarterly
headers quarterly-sets '^\(tier\|id\),' 6
has quarterly-orders "tier,orders,buying_accounts,revenue,avg_order"
run quarterly_tier_review
[ "$rc" -eq 1 ] && [[ "$out" == *"undefined variable '\$quarter'"* ]] && ok ||
    bad "quarterly without -D quarter: exit $rc"
run quarterly_tier_review -D quarter=2024-Q4
clean quarterly-other-quarter

# examples/demo.sh: builds the demo database and passes arguments through;
# a demo.db of another schema version is rebuilt rather than refused.
# (The suite runs once per build; the demo always uses build/.)
demo=$(cd "$ex/.." && pwd)/examples/demo.sh
if [ "$(readlink -f "$kash")" = "$(cd "$ex/.." && pwd)/build/kash" ]; then
    out=$("$demo" -m csv -c 'accounts | count' 2>/dev/null | tail -1)
    [ "$out" = 2000 ] && ok || bad "demo.sh -c: '$out'"
    if command -v mdb_load >/dev/null; then
        db=$(cd "$ex" && pwd)/demo.db
        printf 'VERSION=3\nformat=print\ntype=btree\nmapsize=1073741824\nHEADER=END\n version\n \\01\\00\\00\\00\\00\\00\\00\\00\nDATA=END\n' |
            mdb_load -n -s meta "$db"
        out=$("$demo" -m csv -c 'interactions | count' 2>&1)
        [[ "$out" == *"another version of kash: rebuilding"* && "$out" == *$'\n100000' ]] && ok ||
            bad "demo.sh on an old database: $out"
    fi
fi

echo "examples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
