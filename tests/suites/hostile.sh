#!/usr/bin/env bash
# Hostile input and damaged files (hardening): each gets one clear error and
# the right exit code, no crash, no hang, and the database unchanged.
# Also: imports killed part-way are all-or-nothing, a second writer waits,
# --safe refuses files, read-only directories can still be read.
# Env: KASH, KASH_GEN.
set -u
kash=${KASH:?}
gen=${KASH_GEN:?}
data=$(cd "$(dirname "$0")/../data" && pwd)
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
cp -r "$data/." .
export LC_ALL=C TZ=UTC KASH_TEST=1 HOME="$work"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect NAME RC SUBSTRING -- command…  (also fails on signals: rc >= 128 but 130)
expect() {
    local name=$1 want=$2 sub=$3
    shift 4
    local out rc
    out=$(timeout 60 "$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want" ] && [[ $out == *"$sub"* ]]; then ok; else
        bad "$name: exit $rc (want $want)"
        printf '%s\n' "$out" | head -5 | cut -c1-200 | sed 's/^/    /'
    fi
}
unchanged() { [ "$(md5sum <t.db)" = "$1" ] && ok || bad "$2 changed the database"; }

"$kash" t.db -f setup.inc >/dev/null || { echo "setup failed"; exit 1; }
sum=$(md5sum <t.db)

# -- statements
python3 -c "print('accounts where ' + '('*10000 + 'tier = 1' + ')'*10000 + ';')" >nest.kash 2>/dev/null ||
    { printf 'accounts where '; for i in $(seq 10000); do printf '('; done; printf 'tier = 1'; for i in $(seq 10000); do printf ')'; done; echo ';'; } >nest.kash
expect nesting 1 "nested too deeply" -- "$kash" t.db -f nest.kash
{ printf 'accounts where tier = 1'; for i in $(seq 20000); do printf ' or tier = 1'; done; echo ';'; } >chain.kash
expect long-chain 1 "too long or nested too deeply" -- "$kash" t.db -f chain.kash
{ printf 'accounts where name = "'; head -c 10000000 /dev/zero | tr '\0' x; echo '" and nosuch = 1 | count;'; } >big.kash
out=$("$kash" t.db -f big.kash 2>&1)
[[ $out == *"unknown field 'nosuch'"* ]] && [ ${#out} -lt 2000 ] && ok || bad "10 MB line: ${#out} bytes of message"
printf 'accounts\0 | count;\n' >nul.kash
expect nul-byte 1 "unexpected character" -- "$kash" t.db -f nul.kash
printf 'accounts where name = "\xff\xfe" | count;\n' >utf.kash
expect bad-utf8 1 "invalid UTF-8" -- "$kash" t.db -f utf.kash
printf 'accounts where name = "never closed | count;\n' >open.kash
expect unterminated-string 1 "unterminated string" -- "$kash" t.db -f open.kash
printf 'id,name\nE-1,%s!\n' "$(head -c 40 /dev/zero | tr '\0' a)" >evil.csv
"$kash" evil.db -c 'import accounts from "evil.csv"' >/dev/null
expect catastrophic-regex 1 "match limit" -- "$kash" evil.db -c 'accounts where name ~ /(a+)+$/ | count'
unchanged "$sum" "bad statements"

# -- bad files to import
head -c 300 accounts.csv >trunc.csv
expect truncated-csv 1 "trunc.csv:" -- "$kash" t.db -c 'import accounts from "trunc.csv"'
# (random bytes from the first: a header of bad UTF-8; without the leading
# \377 a short random first line is sometimes valid text, and the error is then
# the missing id column, checked below)
{ printf '\377\376'; head -c 100000 /dev/urandom; } >garbage.csv
expect binary-csv 1 "garbage.csv:1:1: invalid UTF-8" -- "$kash" t.db -c 'import accounts from "garbage.csv"'
printf 'x\001y,\002\n\003' >noid.csv
expect binary-csv-header 1 "noid.csv has no 'id' column" -- "$kash" t.db -c 'import accounts from "noid.csv"'
{ printf 'id,name\nL-1,'; head -c 50000000 /dev/zero | tr '\0' y; echo; } >longline.csv
expect long-csv-line 0 "1,1,0,0" -- "$kash" t2.db -c 'import accounts from "longline.csv"'
unchanged "$sum" "bad imports"

# -- imports from pipes, and files kash could misread
printf 'id,name\nP-1,x\nP-2,y\n' >pipe.csv
expect import-stdin 0 "count
2" -- bash -c "cat pipe.csv | '$kash' -m csv p1.db -c 'import accounts from \"/dev/stdin\"' -c 'accounts | count'"
expect import-dev-fd 0 "2,2,0,0" -- bash -c "'$kash' -m csv p2.db -c 'import accounts from \"/dev/fd/3\"' 3< <(cat pipe.csv)"
mkfifo fifo.csv
(cat pipe.csv >fifo.csv &)
expect import-fifo 0 "2,2,0,0" -- "$kash" -m csv p3.db -c 'import accounts from "fifo.csv"'
printf 'id,name\nP-1,x\nP-2,"y\n' >pipe_bad.csv
expect import-stdin-bad-row 1 "/dev/stdin:3:5: unterminated quoted field" -- bash -c "cat pipe_bad.csv | '$kash' p4.db -c 'import accounts from \"/dev/stdin\"'"
{ printf 'id,name\nL-1,ok\n'; head -c 481 /dev/zero | tr '\0' K; printf ',x\n'; } >longid.csv
expect long-id 1 "longid.csv:3:1: an id is longer than 480 bytes in column 'id'" -- "$kash" t.db -c 'import accounts from "longid.csv"'
expect long-id-skip 0 "2,1,1,0,0
count
1" -- "$kash" -m csv p5.db -c 'import accounts from "longid.csv" on error skip' -c 'accounts | count'
{ printf 'account,at\nL-1,2024-01-01\n'; head -c 481 /dev/zero | tr '\0' K; printf ',2024-01-02\n'; } >longacc.csv
expect long-account-skip 0 "longacc.csv:3:1: an id is longer than 480 bytes in column 'account'" -- "$kash" -m csv p6.db -c 'import interactions from "longacc.csv" on error skip'
printf 'id\tname\nT-1\tx\n' >upper.TSV
expect tsv-any-case 0 "T-1,x" -- "$kash" -m csv p7.db -c 'import accounts from "upper.TSV"' -c 'accounts | select id, name'
cp upper.TSV tabs.txt
expect tab-hint 1 "tabs.txt has one column, with a tab in its header" -- "$kash" t.db -c 'import accounts from "tabs.txt"'
printf 'id;name\nS-1;x\n' >semi.csv
expect semicolon-hint 1 "semi.csv has one column, with ';' in its header" -- "$kash" t.db -c 'import accounts from "semi.csv"'
unchanged "$sum" "imports of long ids and misread files"

# -- damaged databases
echo "just text" >text.db
expect not-lmdb 2 "not a kash database" -- "$kash" text.db -c 'accounts | count'
cp t.db trunc.db
truncate -s 20000 trunc.db
expect truncated-db 2 "truncated" -- "$kash" trunc.db -c 'accounts | count'
cp t.db short.db
truncate -s 1000 short.db
expect tiny-db 2 "cannot open short.db" -- "$kash" short.db -c 'accounts | count'
# (a database of another schema version: tests/unit/test_store.c)
# corrupted pages (LMDB keeps no checksums): a result or a clear error, never a signal
"$gen" --accounts 3000 --managers 10 --interactions 60000 --seed 3 --out corrupt 2>/dev/null
"$kash" cc.db -c 'import managers from "corrupt/managers.csv"; import accounts from "corrupt/accounts.csv"; import interactions from "corrupt/interactions.csv"' >/dev/null
size=$(stat -c %s cc.db)
signals=0
for i in $(seq 1 12); do
    cp cc.db x.db
    rm -f x.db-lock
    off=$(((RANDOM * 32768 + RANDOM) % (size - 8192) + 8192)) # past the two meta pages
    head -c 512 /dev/urandom | dd of=x.db bs=1 seek="$off" conv=notrunc 2>/dev/null
    for q in 'accounts where true | count' 'interactions | group by kind agg count() as n' 'managers'; do
        timeout 20 "$kash" x.db -c "$q" >/dev/null 2>err.txt
        rc=$?
        if [ "$rc" -gt 2 ]; then
            signals=$((signals + 1))
            echo "    corrupt at $off: [$q] exit $rc: $(head -1 err.txt)"
        fi
    done
done
[ "$signals" -eq 0 ] && ok || bad "$signals runs on corrupted pages died of a signal"
# a block of interactions whose row length runs past its end: a clear error
if command -v mdb_load >/dev/null; then
    cp cc.db blk.db
    key=$(mdb_dump -p -n -s interactions blk.db 2>/dev/null | sed -n '/HEADER=END/{n;p;q}')
    printf 'VERSION=3\nformat=print\ntype=btree\nmapsize=1073741824\nHEADER=END\n%s\n \\01\\00\\00\\00\\ff\\ff\\ff\\ff\\0f\nDATA=END\n' "$key" |
        mdb_load -n -s interactions blk.db
    # (read from the records: the interaction columns are a copy of their own,
    # which a count or a small top-N would read)
    expect malformed-block 1 "damaged (a malformed value)" -- env KASH_NO_COLUMNS=1 "$kash" blk.db -c 'interactions where true | count'
    expect malformed-block-sorted 1 "damaged (a malformed value)" -- env KASH_NO_COLUMNS=1 "$kash" blk.db -c 'interactions | sort at | limit 1'
    expect malformed-block-other-rows 0 "count" -- "$kash" blk.db -c 'accounts where true | count'
fi
expect directory-db 2 "cannot open" -- "$kash" . -c 'accounts | count'
expect missing-dir 2 "No such file or directory" -- "$kash" no/such/dir.db -c 'accounts | count'

# -- a full map: the import fails whole
rm -f small.db small.db-lock
KASH_MAPSIZE=2000000 "$kash" small.db -c 'import managers from "managers.csv"' >/dev/null
ssum=$(md5sum <small.db)
"$gen" --accounts 30000 --managers 10 --interactions 10 --out . 2>/dev/null
expect map-full 1 "database is full" -- env KASH_MAPSIZE=2000000 "$kash" small.db -c 'import accounts from "accounts.csv"'
[ "$(md5sum <small.db)" = "$ssum" ] && ok || bad "a full map changed the database"
cp -r "$data/." . # the generator overwrote the CSVs

# -- --safe
expect safe-import 1 "not allowed in --safe mode" -- "$kash" --safe t.db -c 'import accounts from "accounts.csv"'
expect safe-export 1 "not allowed in --safe mode" -- "$kash" --safe t.db -c 'accounts | export "x.csv"'
expect safe-read 1 ".read is not allowed" -- "$kash" --safe t.db -c '.read setup.inc'
expect safe-output 1 ".output is not allowed" -- "$kash" --safe t.db -c '.output x.txt'
expect safe-once 1 ".once is not allowed" -- "$kash" --safe t.db -c '.once |cat'
echo '.mode json' >"$HOME/.kashrc"
expect safe-no-init 0 "count" -- "$kash" --safe t.db -c 'accounts | count'
rm -f "$HOME/.kashrc"
[ ! -e x.csv ] && [ ! -e x.txt ] && ok || bad "--safe wrote a file"
unchanged "$sum" "--safe"

# -- a read-only directory, without and with a lock file it cannot open
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    mkdir rodir && cp t.db rodir/ && chmod 644 rodir/t.db && chmod 555 rodir && chmod 755 "$work"
    expect ro-dir 0 "12" -- su nobody -s /bin/sh -c "'$kash' rodir/t.db -c 'accounts | count'"
    expect ro-dir-import 1 "read-only" -- su nobody -s /bin/sh -c "'$kash' rodir/t.db -c 'import accounts from \"$work/accounts.csv\"'"
    chmod 755 rodir
fi

# -- imports killed part-way: all or nothing
"$gen" --accounts 20000 --managers 10 --interactions 300000 --seed 5 --out gen 2>/dev/null
"$kash" k0.db -c 'import managers from "gen/managers.csv"; import accounts from "gen/accounts.csv"' >/dev/null
"$kash" -m csv k0.db -c 'interactions | count' >k0.count
cp k0.db full.db
t0=$(date +%s%N)
"$kash" full.db -c 'import interactions from "gen/interactions.csv"' >/dev/null
span=$((($(date +%s%N) - t0) / 1000000))
"$kash" -m csv full.db -c 'interactions | count' >full.count
"$kash" -m csv full.db -c 'accounts | select id, orders, lifetime_revenue, last_contact' >full.acc
"$kash" -m csv k0.db -c 'accounts | select id, orders, lifetime_revenue, last_contact' >k0.acc
nb=0 na=0
for i in 1 2 3 4 5; do
    cp k0.db k.db
    rm -f k.db-lock
    "$kash" k.db -c 'import interactions from "gen/interactions.csv"' >/dev/null 2>&1 &
    pid=$!
    ms=$(((RANDOM % (span + span / 3 + 1)) + 1))
    sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    "$kash" -m csv k.db -c 'interactions | count' >k.count 2>&1
    "$kash" -m csv k.db -c 'accounts | select id, orders, lifetime_revenue, last_contact' >k.acc 2>&1
    if cmp -s k.count k0.count && cmp -s k.acc k0.acc; then nb=$((nb + 1)); ok
    elif cmp -s k.count full.count && cmp -s k.acc full.acc; then na=$((na + 1)); ok
    else bad "killed import $i left a partial state"; fi
done
echo "import kills: 5 ($nb before, $na after)"

# -- a second writer waits for the first, then both land
cp k0.db w.db
rm -f w.db-lock
"$kash" w.db -c 'import interactions from "gen/interactions.csv"' >/dev/null &
first=$!
sleep 0.05
"$kash" w.db -c 'accounts where id = "A-000001" | set tier = 1' >/dev/null || bad "second writer failed"
wait "$first" || bad "first writer failed"
n=$("$kash" -m csv w.db -c 'interactions | count' | tail -1)
[ "$n" = "$(tail -1 full.count)" ] && ok || bad "second writer: interactions $n"
t=$("$kash" -m csv w.db -c 'accounts where id = "A-000001" | select tier' | tail -1)
[ "$t" = 1 ] && ok || bad "second writer's change lost"

# -- several readers keep their snapshots while an import and a reassignment
#    land; a reader killed meanwhile leaves a slot the next kash clears
cp k0.db c.db
rm -f c.db-lock
mkfifo r1 r2 r3 r4
"$kash" -m csv c.db -c 'accounts | select id, manager, orders' >r1 &
p1=$!
"$kash" -m csv c.db -c 'interactions | select account, at' >r2 &
p2=$!
"$kash" -m csv c.db -c 'managers | select id, load' >r3 &
p3=$!
"$kash" -m csv c.db -c 'accounts | select id' >r4 &
p4=$!
exec 5<r1 6<r3 7<r4 10<r2
head -c 20 <&5 >/dev/null
head -c 20 <&10 >/dev/null
head -c 20 <&6 >/dev/null
head -c 20 <&7 >/dev/null
kill -9 "$p4" 2>/dev/null # dies holding its read transaction
wait "$p4" 2>/dev/null
exec 7<&-
"$kash" c.db -c 'import interactions from "gen/interactions.csv"' >/dev/null || bad "import blocked by readers"
"$kash" c.db -c 'accounts where manager in ("m01", "m02") | assign to "m03"' >/dev/null || bad "reassignment blocked by readers"
got1=$(cat <&5)
got3=$(cat <&6)
got2=$(cat <&10 | wc -l) # rows after the first 20 bytes (which held the header)
exec 5<&- 6<&- 10<&-
wait "$p1" "$p2" "$p3"
want1=$("$kash" -m csv k0.db -c 'accounts | select id, manager, orders' | tail -c +21)
want3=$("$kash" -m csv k0.db -c 'managers | select id, load' | tail -c +21)
[ "$got1" = "$want1" ] && ok || bad "a reader saw accounts change under it"
[ "$got3" = "$want3" ] && ok || bad "a reader saw managers change under it"
[ "$got2" -le 1 ] && ok || bad "a reader saw interactions arrive ($got2 rows)"
n=$("$kash" -m csv c.db -c 'accounts where manager in ("m01", "m02") | count' | tail -1)
[ "$n" = 0 ] && ok || bad "the reassignment did not land"
if command -v mdb_stat >/dev/null; then
    mkfifo r5
    "$kash" -m csv c.db -c 'accounts | select id' >r5 & # keeps the environment open
    p5=$!
    exec 8<r5
    head -c 20 <&8 >/dev/null
    mkfifo r6
    "$kash" -m csv c.db -c 'accounts | select id' >r6 &
    p6=$!
    exec 9<r6
    head -c 20 <&9 >/dev/null
    kill -9 "$p6" 2>/dev/null
    wait "$p6" 2>/dev/null
    exec 9<&-
    mdb_stat -n -r c.db | grep -q "^ *$p6 " && ok || bad "no stale reader slot to clear (test setup)"
    "$kash" c.db -c 'managers | count' >/dev/null
    mdb_stat -n -r c.db | grep -q "^ *$p6 " && bad "kash left the stale reader slot of $p6" || ok
    mdb_stat -n -r c.db | grep -q "^ *$p5 " && ok || bad "kash cleared a live reader's slot"
    cat <&8 >/dev/null
    exec 8<&-
    wait "$p5"
fi

echo "hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
