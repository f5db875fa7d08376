#!/usr/bin/env bash
# Account and interaction columns (the columnar copy of every field beside
# the records) against the records they copy. Every query of a list of counts,
# groups with aggregates and selects (where terms on every field type, every
# categorical key, derived and custom fields, manager.x paths, limit) gives
# the same csv output, byte for byte, with the columns and with
# KASH_NO_COLUMNS=1, and a non-empty one; and it stays so after each kind of
# write: imports of managers, accounts and interactions (derived fields
# folded), set, retier, assign, undo, custom fields added and widened by
# imports, accounts inserted between existing ids. Each write runs twice, on
# a database written with the columns and on one written with
# KASH_NO_COLUMNS=1: a mutation picks its accounts through a query too, so
# both must print the same and leave the same records. Statements that read,
# write and read again in one process give the same output both ways. Then
# the same on 20,000 accounts, many blocks of columns, with 3,000 accounts
# whose ids fall between the existing ones.
# Env: KASH, KASH_GEN.
set -u
kash=$(readlink -f "${KASH:?}")
gen=$(readlink -f "${KASH_GEN:?}")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export LC_ALL=C TZ=UTC KASH_TEST=1 KASH_TODAY=2025-06-30 HOME="$work" USER=tester
unset KASH_DB KASH_NO_COLUMNS KASH_NO_INDEX KASH_THREADS
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
finish() {
    echo "columns: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
}
# kash with a time limit (30 s, for a run of well under one): a run that
# hangs ends the suite instead of every later one hanging too
run() { timeout 30 "$kash" "$@"; }
# hung NAME STATUS…: the end, if one of the runs timed out
hung() {
    local n=$1 rc
    shift
    for rc in "$@"; do
        [ "$rc" = 124 ] && { bad "$n: kash ran for 30 s (hangs?)"; finish; }
    done
}

# show A B: the first lines where two outputs differ
show() { diff <(printf '%s\n' "$1") <(printf '%s\n' "$2") | head -10 | sed 's/^/    /'; }

# both NAME DB STATEMENT: runs it with the columns and without; sets OUT and
# RC (with the columns) and fails (returns 1) unless both ways print the
# same (stdout and stderr merged) and exit the same; and a third way, the
# columns shared by two threads (KASH_THREADS=2: count and group after where)
both() {
    local b rb t rt
    OUT=$(KASH_THREADS=1 run -m csv "$2" -c "$3" 2>&1)
    RC=$?
    b=$(KASH_NO_COLUMNS=1 run -m csv "$2" -c "$3" 2>&1)
    rb=$?
    t=$(KASH_THREADS=2 run -m csv "$2" -c "$3" 2>&1)
    rt=$?
    hung "$1: $3" "$RC" "$rb" "$rt"
    if [ "$OUT" != "$b" ] || [ "$RC" != "$rb" ]; then
        bad "$1: columns (exit $RC) and records (exit $rb) differ for: $3"
        show "$OUT" "$b"
        return 1
    fi
    if [ "$OUT" != "$t" ] || [ "$RC" != "$rt" ]; then
        bad "$1: one thread (exit $RC) and two (exit $rt) differ for: $3"
        show "$OUT" "$t"
        return 1
    fi
}

# same NAME DB STATEMENT: the same both ways, the statement succeeds and
# prints at least one row after the header
same() {
    both "$@" || return 0
    if [ "$RC" != 0 ] || [ "$(printf '%s\n' "$OUT" | wc -l)" -lt 2 ]; then
        bad "$1: exit $RC or no rows (a test bug?) for: $3"
        printf '%s\n' "$OUT" | head -5 | sed 's/^/    /'
    else ok; fi
}

# same_error NAME DB STATEMENT: it fails the same way both ways (rows
# streamed before a late error included)
same_error() {
    both "$@" || return 0
    if [ "$RC" != 1 ] || [[ "$OUT" != *"error: "* ]]; then
        bad "$1: expected an error (exit $RC) for: $3"
        printf '%s\n' "$OUT" | tail -3 | sed 's/^/    /'
    else ok; fi
}

# -- the queries: on every field type, every categorical key, derived fields,
# manager.x paths; counts, groups and selects
queries=(
    'accounts | count'
    'accounts where region = "EMEA" | count'
    'accounts where industry in ("Healthcare", "Software", "Retail") and stage != "closed" | count'
    'accounts where tier in (1, 2) | count'
    'accounts where revenue > 100k | count'
    'accounts where revenue between 50k and 250k and strategic >= 5 | count'
    'accounts where created in 2021 | count'
    'accounts where closed is null | count'
    'accounts where closed is not null and created < 2022-01-01 | count'
    'accounts where name ~ /care/i | count'
    'accounts where not (region = "NA" or tier = 3) | count'
    'accounts where manager = "m07" or growth < 2.5 or cac >= 1500 | count'
    'accounts where tier is null or revenue is null or manager is null | count'
    'accounts where last_contact < today - 365d or last_contact is null | count'
    'accounts where orders between 3 and 10 and lifetime_revenue > 20k | count'
    'accounts where website ~ /\.io$/ or employees >= 200 | count'
    'accounts where manager.region = "EMEA" and manager.capacity > 80 | count'
    'accounts where id >= "A-001000" and id < "A-001500" | count'
    'accounts | group by manager agg count() as n, sum(revenue) as rev, avg(growth) as g'
    'accounts | group by tier agg count(), count(revenue), min(revenue), max(revenue), median(revenue)'
    'accounts | group by stage agg count_distinct(manager) as mgrs, min(created), max(closed), count(closed)'
    'accounts | group by region agg count() as n, sum(cac), avg(strategic), percentile(revenue, 0.9) as p90'
    'accounts | group by industry agg count_distinct(region), min(name), max(name), max(employees), count_distinct(tier)'
    'accounts | group by region, industry agg count() as n, sum(lifetime_revenue) as lr | where n >= 20 | sort lr desc'
    'accounts | group by manager, tier agg count() as n, avg(revenue) as avg_rev, sum(revenue) / count() as per'
    'accounts where closed is null | group by manager.region agg count(), sum(revenue), median(orders)'
    'accounts where stage = "active" | group by manager.name agg count() as n, sum(revenue) as rev | sort rev desc, name | limit 7'
    'accounts | group by year(created) agg count(), sum(revenue), max(last_order), min(first_order)'
    'accounts where first_order in 2020 | group by tier agg count(), avg(orders), sum(lifetime_revenue)'
    'accounts | agg count(), count(tier), sum(orders), avg(lifetime_revenue), min(first_order), max(last_contact), median(employees), count_distinct(website), count_distinct(created)'
    'accounts where region = "LATAM" | select id, name, revenue * 1.5 as r15, round(revenue / 1k, 1) as k, upper(region), len(name) as l, coalesce(closed, today) as c, days_between(created, coalesce(closed, today)) as span'
    'accounts | select id, manager.name, manager.capacity, manager.active | limit 25'
    'accounts where manager.name ~ /^[A-H]/ and tier = 1 | select id, manager, manager.name as mname, revenue, strategic + growth as sg'
    'accounts where orders >= 15 | select id, orders, lifetime_revenue, lifetime_revenue / orders as per_order, first_order, last_order, last_contact'
    'accounts | select id, if(revenue >= 1M, "big", "small") as size, case when tier = 1 then "I" when tier = 2 then "II" else "III" end as roman, year(created) as y | limit 40 offset 2000'
    'accounts | select id, revenue / 1k as k | where k > 500 | sort k desc, id'
    'interactions | group by year(at), month(at) agg count(), sum(amount)'
    'interactions where kind = "order" | group by quarter(at), kind agg count(), avg(amount), median(amount)'
    'accounts | group by year(closed), tier agg count(), max(closed)'
    'interactions | group by week(at), day(at) agg count() | sort count() desc, week(at), day(at) | limit 20'
    'accounts | group by year(created) agg count(), sum(revenue)'
    'accounts where tier = 1 | select *, revenue / 1k as k | limit 300'
    'interactions where kind = "ticket" | select account.name, * | limit 500'
    'accounts where tier = 1 | limit 60'
    'accounts where stage in ("at_risk", "onboarding") | select id, stage, tier, region, industry, manager, created, closed, website, employees | limit 200 offset 50'
    'accounts where website = "" or website is null or len(name) > 100 | group by website, len(name) > 100 as long agg count()'
    'accounts where cac > 10000 or growth < 0 or strategic > 100 | select id, name, cac, growth, strategic, revenue, website'
    'accounts | group by tier agg count(), sum(orders), avg(orders), min(orders), max(orders), min(created), max(last_contact), min(revenue), max(revenue)'
    'accounts where stage != "closed" | group by strategic agg count(), sum(tier), avg(tier), count(revenue)'
    'interactions | group by kind agg count(), sum(amount), avg(amount), min(amount), max(amount), count(nps), avg(nps), min(at), max(at)'
    'interactions where kind = "order" and amount > 500 | count'
    'interactions where nps in (0, 9, 10) or csat not in (1, 2, 3) | count'
    'accounts where tier not in (2, 7) and strategic in (1, 5, 9) | count'
    'interactions where at in 2024 and kind in ("call", "meeting") | count'
    'interactions where at >= 2023-07-01 and at < 2023-10-01 | group by kind agg count(), sum(amount)'
    'interactions where nps is not null | group by nps agg count(), min(at), max(csat)'
    'interactions where csat between 2 and 4 or nps <= 6 | group by manager agg count(), avg(csat), sum(nps)'
    'interactions where amount is null and kind = "order" or amount < 0 | count'
    'interactions where note ~ /call back/ | count'
    'interactions where account >= "A-001000" and account < "A-001100" | group by account agg count(), sum(amount), max(at)'
    'interactions where account.tier = 1 and kind = "order" | group by account.region agg count(), sum(amount)'
    'interactions where kind = "survey" | select account, at, nps, csat, account.name, account.manager | limit 50'
    # conditions on the parent alone (evaluated once per parent of a block)
    'interactions where account.region = "EMEA" and kind = "order" | agg count(), sum(amount)'
    'interactions where account.tier = 1 and amount > 1000 and account.name ~ /a/i and nps is null | count'
    'interactions where (account.region = "NA" or account.tier = 3) and kind != "call" | group by kind agg count()'
    'interactions where kind = "order" and account.closed is null and account.revenue > 50k | group by account.tier agg count(), sum(amount)'
    'interactions where account.manager = manager and kind = "call" | count'
    'accounts where manager.active = false and tier <= 2 | count'
    'accounts where manager.region is null | count'
    'accounts where manager.capacity > 50 and manager.region != "NA" | group by manager.region agg count()'
    # groups by several keys held as codes (a row's code combines theirs)
    'interactions | group by kind, manager agg count(), sum(amount), min(at), median(amount)'
    'accounts | group by tier, region, stage agg count(), max(revenue), count_distinct(industry)'
    'accounts where tier is null or stage = "closed" | group by stage, tier agg count(), sum(orders)'
    'accounts | group by tier, region, stage, industry, manager agg count() as n | where n > 1'
    # groups by a key read through the parent (looked up once per parent of a block)
    'interactions | group by account.tier agg count(), sum(amount), min(at), max(amount), avg(nps)'
    'interactions where kind = "order" | group by upper(account.region) as r agg count(), median(amount), count_distinct(account)'
    'accounts | group by manager.active agg count(), sum(revenue), max(created)'
    'accounts where tier < 3 | group by manager.capacity > 80 as big agg count(), avg(revenue)'
    'interactions where at in 2022-Q2 | select account, at, kind, amount, amount * 2 as a2, note | limit 100 offset 20'
    'interactions | agg count(), count(amount), sum(amount), min(at), max(at), count_distinct(kind), median(amount)'
    'kpi churn_rate, nps, aov by tier over 2024-Q3'
    'kpi nrr, grr, clv, upsell_rate, csat, nps by region per quarter from 2023-Q1 to 2024-Q4'
    'accounts where region = "EMEA" | kpi aov, nps, csat by manager over 2024'
    'accounts | sort revenue desc | limit 500 | kpi aov, nps, clv by tier over 2024'
    'report for 2024-Q3'
    'interactions where kind = "order" | retention by month counts'
    'interactions where kind in ("order", "upsell") and amount > 100 | retention by quarter revenue periods 6'
    'interactions | retention by year from created cumulative'
    'interactions where account.region = "EMEA" | retention by week periods 8'
    'interactions where at >= 2024-01-01 | limit 5000 | retention by month counts'
    'interactions | sort at desc | limit 10'
    'interactions where kind = "order" | sort amount desc, at | limit 25 offset 5 | select account, at, amount, account.name'
    'interactions | sort nps, at desc | limit 40 | select account, at, nps'
    'interactions | sort csat desc, at desc | limit 30 | select account, at, csat'
    'accounts | sort created desc, id | limit 20 | select id, created, manager, manager.name'
    'accounts where tier != 2 | sort employees desc | limit 12 | select id, employees, cac'
    'accounts | sort closed, revenue desc | limit 30 offset 3 | select id, closed, revenue'
    'accounts | sort upper(name) | limit 5 | select id, name'
    'accounts | sort growth desc | limit 1500 | select id, growth, lifetime_revenue'
    'accounts | sort strategic desc, id | limit 8'
    'accounts | sort tier, created desc, id | limit 100 | select id, tier, created'
)
# errors: one found before any row is read, two raised by a condition or a
# group key read through the parent, one after 499 rows were printed
errors=(
    'accounts where revenue = "big" | count'
    'interactions where account.tier * 9223372036854775807 > 1 and kind = "order" | count'
    'interactions | group by account.tier * 9223372036854775807 as t agg count()'
    'accounts | select id, if(id >= "A-000500", 9223372036854775807 + orders + 1, 0) as x'
)

# check STEP DB: the whole list, and the errors
check() {
    local i=0 q
    for q in "${queries[@]}"; do
        i=$((i + 1))
        same "$1: q$i" "$2" "$q"
    done
    for q in "${errors[@]}"; do same_error "$1: error" "$2" "$q"; done
}

dump() {
    KASH_NO_COLUMNS=1 run -m csv "$1" -c 'accounts' -c 'managers' -c 'interactions' \
        -c 'history | select batch, statement, account, field, old, new, undone' -c '.schema' 2>&1
}

# apply STEP STATEMENT…: the statements on c.db (columns), r.db
# (KASH_NO_COLUMNS=1) and m.db (KASH_NO_MANAGER_OF=1: reassigned accounts'
# records written whole) print the same and leave the same data
apply() {
    local step=$1 a b m ra rb rn
    shift
    local args=() s
    for s in "$@"; do args+=(-c "$s"); done
    a=$(run --yes -m csv c.db "${args[@]}" 2>&1)
    ra=$?
    b=$(KASH_NO_COLUMNS=1 run --yes -m csv r.db "${args[@]}" 2>&1)
    rb=$?
    m=$(KASH_NO_MANAGER_OF=1 run --yes -m csv m.db "${args[@]}" 2>&1)
    rn=$?
    hung "$step" "$ra" "$rb" "$rn"
    [ "$ra" = 0 ] || bad "$step: failed (exit $ra): $a"
    [ "$a" = "$b" ] && [ "$a" = "$m" ] && ok || { bad "$step: the write prints differently"; show "$a" "$b"; show "$a" "$m"; }
    a=$(dump c.db) b=$(dump r.db) m=$(dump m.db)
    [ "$a" = "$b" ] && ok || { bad "$step: the databases differ after the write"; show "$a" "$b"; }
    [ "$a" = "$m" ] && ok || { bad "$step: the databases differ with KASH_NO_MANAGER_OF"; show "$a" "$m"; }
}
# in_mof DB: the number of accounts in manager_of (- without mdb_stat)
in_mof() {
    command -v mdb_stat >/dev/null || { echo -; return; }
    mdb_stat -n -s manager_of "$1" 2>/dev/null | sed -n 's/^ *Entries: //p'
}
# write STEP STATEMENT…: apply, then the list on c.db
write() {
    apply "$@"
    check "$1" c.db
}

# -- 3,000 accounts, 40 managers, 30,000 interactions
"$gen" --accounts 3000 --managers 40 --interactions 30000 --seed 7 --out gen >/dev/null 2>&1
"$gen" --accounts 3000 --managers 40 --interactions 5000 --seed 8 --out gen8 >/dev/null 2>&1
write "import" 'import managers from "gen/managers.csv"' 'import accounts from "gen/accounts.csv"' \
    'import interactions from "gen/interactions.csv"'
[ "$(run -m csv c.db -c 'accounts | count' | tail -1)" = 3000 ] && ok || bad "import: not 3000 accounts"

write "set revenue" 'accounts where tier = 3 | set revenue = revenue * 1.1'
write "set null" 'accounts where id <= "A-000150" or name ~ /Media/ | set revenue = null, growth = null'
# odd numbers and text: the largest doubles (NaN and infinities can no
# longer be stored: arithmetic making them is an error), -0.0, no whole
# hundredths, 2^50 and a half, a denormal; empty text beside nulls, a
# 272-character name
long=$(printf 'Ünïcødé %.0s' $(seq 34))
write "odd values" 'accounts where id in ("A-000010", "A-000011") | set cac = 1.7976931348623157e308, growth = -1.7976931348623157e308' \
    'accounts where id = "A-000012" | set revenue = 1125899906842624.5, strategic = 1e308 * 1.5, growth = -0.0, cac = 0.1 + 0.2' \
    'accounts where id = "A-000013" | set cac = 4.9e-324, revenue = -0.01' \
    "accounts where id in (\"A-000014\", \"A-000016\") | set website = \"\", name = \"$long\""
write "set stage" 'accounts where stage = "at_risk" and tier = 3 | set stage = "closed", closed = today'
write "retier" 'accounts where region = "NA" | retier by revenue top 20% = 1, next 30% = 2, rest = 3'
write "assign" 'accounts where manager = "m07" | assign to managers where region = "EMEA" and active balanced' \
    'accounts where manager in ("m03", "m11") and tier = 2 | assign to ("m20", "m21", "m22")'
write "undo" 'undo'
# managers renamed and moved: manager.x reads the new values
cat >mgr.csv <<'EOF'
id,name,region,capacity
m01,Zoe Renamed,LATAM,150
m21,Aaron First,EMEA,10
EOF
write "managers" 'import managers from "mgr.csv"'

# -- custom fields: new ones by import (score int on EMEA only, tag int, since
# date), then set on one; the list grows with queries on them
run -m csv c.db -c 'accounts where region = "EMEA" | select id, tier + 2 as score, if(tier = 1, 7, null) as tag, created + 30d as since | export "custom.csv"'
apply "custom import" 'import accounts from "custom.csv"'
queries+=(
    'accounts | group by score agg count() as n, sum(revenue) as rev, min(tag), max(since)'
    'accounts where score >= 4 | count'
    'accounts where score is null and tag is null | count'
    'accounts | agg count(score), sum(score), avg(score), min(score), max(score), median(score), count_distinct(since)'
    'accounts where region = "EMEA" | select id, score, score * 2 as s2, tag, since, year(since) as y | limit 100 offset 10'
    'accounts where tag is not null | group by tag, region agg count(), count_distinct(score)'
    'accounts where since >= 2022-01-01 | group by year(since) agg count(), min(since)'
    'accounts | sort score desc, id | limit 8 | select id, score, tag, since'
    'accounts | sort since, score | limit 1100 | select id, since, score'
)
check "custom import" c.db
write "custom set" 'accounts where region = "EMEA" and tier = 1 | set score = 5, tag = 8' \
    'accounts where region = "APAC" and industry = "Energy" | set score = 1'
[ "$(run -m csv c.db -c 'accounts where score = 1 | count' | tail -1)" -gt 0 ] && ok ||
    bad "custom set: no account has score 1"

# -- accounts imported: new ids before, between and after the others, an
# existing one updated (an empty cell makes null), a new text field
cat >extra.csv <<'EOF'
id,name,manager,tier,stage,industry,region,revenue,strategic,growth,cac,created,closed,employees,website,segment
0-first,Zero Care Ltd,m05,1,active,Healthcare,EMEA,2500000,9,9,100,2021-03-01,,500,zero.io,enterprise
A-000000,Before Care,m07,2,active,Retail,NA,120000.5,5,5,200,2021-04-01,,50,,smb
A-001500x,Between Media,m12,3,prospect,Media,LATAM,,1,1,,2024-01-01,,,,
A-001501,Updated Name,m12,2,at_risk,Software,EMEA,,,,,2021-05-05,,,,smb
Z-9,Last Care,,,closed,Energy,APAC,99,2,2,3,2019-01-01,2025-06-01,1,last.io,
z-lower,lower id,m40,3,onboarding,Telecom,NA,777777,3,3,3,2023-07-07,,7,,mid
EOF
apply "accounts import" 'import accounts from "extra.csv"'
queries+=(
    'accounts where segment is not null | select id, name, segment, manager.name as mname, revenue'
    'accounts | group by segment agg count(), sum(revenue)'
    'accounts where id > "A-001500" and id < "A-001502" | select id, name, tier, revenue, score, segment'
)
check "accounts import" c.db

# -- interactions: a few by hand (an earlier first order, a later last
# contact, an unknown account, which creates it), then 5,000 more over most
# accounts (a bulk fold of derived fields)
cat >events.csv <<'EOF'
account,at,kind,manager,amount,nps,csat,note
A-000001,2018-06-01 09:00,order,m24,1000,,,early
A-000002,2025-06-30 23:59:59,call,m13,,,,late
A-001500x,2025-01-02,order,m12,50.25,,,first
N-1,2025-02-03 10:00,order,m01,10,,,new account
Z-9,2024-12-31,survey,,,9,5,
EOF
write "interactions" 'import interactions from "events.csv"' 'import interactions from "gen8/interactions.csv"'
[ "$(run -m csv c.db -c 'accounts where id = "N-1" | select orders' | tail -1)" = 1 ] && ok ||
    bad "interactions: N-1 not created"

# -- custom fields widened by an import: int score to num, int tag to text,
# date since to datetime, the generator's int employees to num
cat >retype.csv <<'EOF'
id,score,tag,since,employees
A-000004,2.5,x,2024-01-01 10:00,12.5
A-002999,,y,2023-05-05T08:30:00,
0-first,4.75,,2020-02-02 02:02,
EOF
apply "retype" 'import accounts from "retype.csv"'
run -m csv c.db -c '.schema accounts' | grep -q '^accounts,tag,text,custom$' && ok || bad "retype: tag is not text"
run -m csv c.db -c '.schema accounts' | grep -q '^accounts,score,num,custom$' && ok || bad "retype: score is not num"
queries+=(
    'accounts where tag in ("8", "x") or score between 2.4 and 2.6 | select id, score, tag, since, employees'
    'accounts where employees > 12 and employees < 13 or since > 2023-05-05T08:00 | select id, employees, since'
)
check "retype" c.db
write "set after retype" 'accounts where tag = "8" and growth > 5 | set tag = "eight", score = score + 0.5'

# -- one process reads, writes and reads again: what it reads after each
# write is what the records say (the import sets A-000000's revenue again,
# so the undo of the set needs force)
script=(-c 'accounts | group by tier agg count(), sum(revenue)' -c 'accounts where tier = 2 | set revenue = 42'
    -c 'accounts | group by tier agg count(), sum(revenue)' -c 'accounts where revenue = 42 | count'
    -c 'import accounts from "extra.csv"' -c 'accounts where id < "A-000002" | select id, revenue, score'
    -c 'undo force' -c 'accounts | group by tier agg count(), sum(revenue), count(score)'
    -c 'import interactions from "events.csv"' -c 'accounts where id in ("A-000001", "N-1") | select id, orders, first_order, last_contact'
    -c 'accounts where tier = 3 and region = "APAC" | assign to "m05"' -c 'accounts where manager = "m05" | select id, tier, manager.name'
    -c 'managers where id = "m05"' -c 'accounts | group by manager agg count(), sum(revenue)')
cp c.db p1.db && cp c.db p2.db && cp c.db p3.db
a=$(run --yes -m csv p1.db "${script[@]}" 2>&1)
ra=$?
b=$(KASH_NO_COLUMNS=1 run --yes -m csv p2.db "${script[@]}" 2>&1)
rb=$?
hung "one process" "$ra" "$rb"
[ "$a" = "$b" ] && [ "$ra" = 0 ] && [ "$rb" = 0 ] && [ "$(printf '%s\n' "$a" | wc -l)" -ge 25 ] && ok ||
    { bad "one process: reads between writes differ"; show "$a" "$b"; }
[ "$(dump p1.db)" = "$(dump p2.db)" ] && ok || bad "one process: the databases differ"
b=$(KASH_NO_MANAGER_OF=1 run --yes -m csv p3.db "${script[@]}" 2>&1)
[ "$a" = "$b" ] && [ "$(dump p1.db)" = "$(dump p3.db)" ] && ok ||
    { bad "one process: reads or data differ with KASH_NO_MANAGER_OF"; show "$a" "$b"; }
check "one process" p1.db

# -- a version-3 file (index.sh's index_v3.dump: the golden tests' data),
# read as it is, then its first write, which brings it up to date
if command -v mdb_load >/dev/null; then
    mdb_load -n -f "$here/index_v3.dump" v3.db 2>/dev/null || bad "version 3: mdb_load failed"
    [ "$(KASH_NO_COLUMNS=1 run -m csv --readonly v3.db -c 'accounts | count' | tail -1)" = 12 ] && ok ||
        bad "version 3: not the 12 accounts of index_v3.dump"
    v3q=('accounts | count' 'accounts | group by tier agg count(), sum(revenue), max(employees), min(website)'
        'accounts where region = "EMEA" or website is not null | select id, name, manager.name as m, revenue, orders, last_contact'
        'accounts | group by region, manager agg count(), min(created), sum(lifetime_revenue)')
    for q in "${v3q[@]}"; do same "version 3" v3.db "$q"; done
    run --yes v3.db -c 'accounts where id = "A-03" | set tier = 1, revenue = 0.5' >/dev/null 2>&1 || bad "version 3: the write failed"
    for q in "${v3q[@]}"; do same "version 3, written" v3.db "$q"; done
else
    echo "no mdb_load: the version-3 part skipped"
fi

# -- 20,000 accounts: many blocks; a set on a few, then 3,000 accounts whose
# ids interleave with the others (A-000001b after A-000001), with
# interactions, then a set over many blocks
rm -f c.db c.db-lock r.db r.db-lock m.db m.db-lock
"$gen" --accounts 20000 --managers 40 --interactions 20000 --seed 11 --out big >/dev/null 2>&1
"$gen" --accounts 3000 --managers 40 --interactions 3000 --seed 12 --out bigb >/dev/null 2>&1
sed -E 's/^(A-[0-9]+),/\1b,/' bigb/accounts.csv >bigb/accounts_b.csv
sed -E 's/^(A-[0-9]+),/\1b,/' bigb/interactions.csv >bigb/interactions_b.csv
write "big import" 'import managers from "big/managers.csv"' 'import accounts from "big/accounts.csv"' \
    'import interactions from "big/interactions.csv"' 'import accounts from "custom.csv"' 'import accounts from "extra.csv"' \
    'import accounts from "retype.csv"'
write "big set" 'accounts where id in ("A-000100", "A-010000", "A-019999", "Z-9") | set revenue = 1.5M, tier = 1, score = 3'
write "big interleave" 'import accounts from "bigb/accounts_b.csv"' 'import interactions from "bigb/interactions_b.csv"'
[ "$(run -m csv c.db -c 'accounts where id ~ /^A-[0-9]+b$/ | count' | tail -1)" = 3000 ] && ok ||
    bad "big interleave: not 3000 new accounts"
write "big set many" 'accounts where id ~ /b$/ and region != "NA" | set tier = 2, score = 9, stage = "development"'
write "big undo" 'undo'
# reassignments: a few thousand accounts stay in manager_of (their records
# untouched), then one of most accounts folds them all into the records
write "big assign" 'accounts where region = "EMEA" and tier != 1 | assign to ("m01", "m02", "m39") round-robin' \
    'accounts where id ~ /b$/ and tier = 1 | assign to managers where region = "NA" balanced'
n=$(in_mof c.db)
[ "$n" = - ] || { [ "$n" -gt 2000 ] && [ "$n" = "$(in_mof r.db)" ] && [ "$(in_mof m.db)" = 0 ] && ok ||
    bad "big assign: $n accounts in manager_of (r.db $(in_mof r.db), m.db $(in_mof m.db))"; }
write "big assign most" 'accounts where id ~ /^A/ and tier != 2 | assign to managers where active balanced'
n=$(in_mof c.db)
[ "$n" = - ] || { [ "$n" = 0 ] && ok || bad "big assign most: $n accounts still in manager_of"; }
write "big assign undo" 'undo' 'undo'

# -- sums are exact for whole hundredths, in any order (xsum): a tenth added
# over every account is a tenth of the count, not 0.1's float error times
# it; and the revenue's sum is the same both ways (same() above) and to the cent.
# Sums of other numbers go in row order: two threads that both meet them
# give up, and the statement runs again on one
same "inexact sums" c.db 'accounts | group by region agg count(), sum(revenue / 7) as s7, avg(score * 1.01), min(revenue / 3)'
same "inexact sums" c.db 'accounts where tier < 3 | agg sum(revenue / 7) as s7, sum(revenue) as s, max(name)'
for q in 'accounts | agg count() as n, sum(0.1) as s' 'accounts | group by tier agg count() as n, sum(0.1) as s'; do
    same "exact sums" c.db "$q"
    out=$(run -m csv c.db -c "$q" | tail -n +2)
    [ -n "$out" ] && printf '%s\n' "$out" | awk -F, '{ if ($(NF-1) / 10 != $NF) bad = 1 } END { exit bad }' && ok ||
        { bad "exact sums: $q gave"; printf '%s\n' "$out" | head -5 | sed 's/^/    /'; }
done
# kpi's money adds up the same way: three orders that are not hundredths, one
# in each run of 16 blocks two threads take (A-000001 in the first, the
# others in the second): in account order 0.125 + 1e17 - 1e17 is 0, split
# 0.125 + 0; two threads give up and kpi runs again on one
printf '%s\n' 'account,at,kind,manager,amount,nps,csat,note' \
    'A-000001,2024-08-01,order,m01,0.125,,,' 'A-018000,2024-08-02,order,m01,100000000000000000,,,' \
    'A-019000,2024-08-03,order,m01,-100000000000000000,,,' >inexact.csv
run --yes c.db -c 'import interactions from "inexact.csv"' >/dev/null 2>&1 || bad "inexact: the import failed"
same "inexact kpi" c.db 'kpi revenue, aov, nrr, grr, clv over 2024-Q3'
same "inexact kpi" c.db 'accounts where id < "A-000002" or id >= "A-018000" | kpi revenue by tier over 2024-Q3'

# -- integer and price terms compare the stored offsets (filter_block()'s
# ranges of offsets): four blocks whose offsets take 1, 2, 4 and 8 bytes
# (employees up to 200, 60,000, 4e9 and the whole int64 range; revenues in
# cents, up to 9.2e16 whose counts of cents pass 2^53), nulls among them,
# and constants on, beside and beyond the values both ways
{
    echo "id,name,manager,tier,stage,industry,region,revenue,strategic,growth,cac,created,closed,employees,website"
    emp=(0 1 200 -5 60000 -60000 4000000000 -4000000000 9223372036854775807 -9223372036854775808 '' 7)
    rev=(0.1 0.2 0.3 0.29 100000 100000.01 99999.99 -0.01 -5.5 '' 92233720368547758 -92233720368547758 1e15 0.07)
    for i in $(seq 0 3839); do
        b=$((i / 960)) k=$((i % 12)) e=${emp[$((i % 12))]}
        case $b in 0) e=$((i % 200)) ;; 1) [ $k -lt 6 ] && e=${emp[$k]} || e=$((i * 7)) ;;
            2) [ $k -lt 8 ] && e=${emp[$k]} || e=$((i * 1000003)) ;; esac
        r=${rev[$((i % 14))]}
        [ $b -lt 2 ] && [ $((i % 14)) -ge 10 ] && [ $((i % 14)) -le 12 ] && r=$((i * 3)).5
        printf 'B-%05d,n%d,m01,%d,active,x,NA,%s,1,1,1,2020-0%d-1%d,,%s,\n' $i $i $((i % 3 + 1)) "$r" \
            $((i % 9 + 1)) $((i % 9)) "$e"
    done
} >bounds.csv
run --yes b.db -c 'import managers from "gen/managers.csv"' -c 'import accounts from "bounds.csv"' >/dev/null 2>&1 ||
    bad "bounds: the import failed"
for t in 'employees = 200' 'employees != 7' 'employees < 0' 'employees <= -60000' 'employees > 59999' \
    'employees >= 60000' 'employees > 3999999999' 'employees = 9223372036854775807' \
    'employees >= 9223372036854775807' 'employees < -9223372036854775807' 'employees <= -9223372036854775807' \
    'employees > -9223372036854775807' 'employees between -60000 and 200' 'employees not between 0 and 60000' \
    'employees between 9223372036854775806 and 9223372036854775807' 'tier = 2' 'tier != 2' 'tier > 1' \
    'revenue = 0.3' 'revenue > 0.3' 'revenue >= 0.3' 'revenue < 0.3' 'revenue <= 0.29' 'revenue != 0.1' \
    'revenue = 0.30000000000000004' 'revenue > 0.29999999999999998' 'revenue < 100000.01' \
    'revenue <= 99999.99' 'revenue > 100000' 'revenue >= 100000.005' 'revenue < -0.005' 'revenue > -0.01' \
    'revenue between 0.1 and 0.3' 'revenue not between -0.01 and 100000' 'revenue between 0.07 and 0.07' \
    'revenue > 92233720368547750' 'revenue >= 92233720368547758' 'revenue < -92233720368547700' \
    'revenue = 1e15' 'revenue > 1e300' 'revenue < -1e300' 'revenue >= 0' 'revenue > 1e17' 'revenue < -1e17' \
    'created in 2020-03' 'created < 2020-05-15' 'created between 2020-02-11 and 2020-04-13' \
    'created >= 2020-09-18' 'created not in 2020-Q2'; do
    same "bounds" b.db "accounts where $t | count"
done

finish
