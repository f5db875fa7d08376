#!/usr/bin/env bash
# Opens kash on a generated sample database, building whatever is missing:
# kash itself (tools/deps.sh), the sample CSVs (examples/data/, by kash-gen)
# and the database (examples/demo.db, by importing the CSVs).
#
#   examples/demo.sh                          the interactive shell
#   examples/demo.sh -c 'accounts | count'    one statement, then exit
#
# Arguments are kash options and pass through unchanged; the database path
# is added after them. kash runs in the caller's current directory, so
# relative paths in -f, .read, .output and export are the caller's. Works
# from any directory. Progress goes to standard error, results to standard
# output. KASH_DEMO_REBUILD=1 regenerates the data and the database.
set -euo pipefail

self=$(readlink -f -- "${BASH_SOURCE[0]}" 2>/dev/null || printf '%s' "${BASH_SOURCE[0]}")
root=$(cd -P -- "$(dirname -- "$self")/.." && pwd)
data="$root/examples/data"
db="$root/examples/demo.db"
kash="$root/build/kash"
gen="$root/build/kash-gen"
csvs=(managers.csv accounts.csv interactions.csv)

say() { printf 'demo.sh: %s\n' "$*" >&2; }
die() {
    say "$*"
    exit 1
}

# Temporary files of this run, removed however it ends (exec replaces the
# process, so everything is renamed or removed before that).
tmpdata="" tmpdb="" log=""
cleanup() {
    [ -z "$tmpdata" ] || rm -rf -- "$tmpdata"
    [ -z "$tmpdb" ] || rm -f -- "$tmpdb" "$tmpdb-lock"
    [ -z "$log" ] || rm -f -- "$log"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. Build. The first time with its output; later silently unless it fails,
# so that `demo.sh -c ...` prints only the result. The build steps get no
# standard input: a script piped into demo.sh is for kash.
if [ -x "$kash" ] && [ -x "$gen" ]; then
    log=$(mktemp)
    "$root/tools/deps.sh" </dev/null >"$log" 2>&1 || {
        cat -- "$log" >&2
        die "tools/deps.sh failed"
    }
else
    say "building kash with tools/deps.sh"
    "$root/tools/deps.sh" </dev/null >&2 || die "tools/deps.sh failed"
fi
if [ ! -x "$kash" ] || [ ! -x "$gen" ]; then
    die "tools/deps.sh did not build build/kash and build/kash-gen"
fi

if [ "${KASH_DEMO_REBUILD:-0}" = 1 ]; then
    say "KASH_DEMO_REBUILD=1: removing examples/data/ and examples/demo.db"
    rm -rf -- "$data"
    rm -f -- "$db" "$db-lock"
fi

# A database of an older kash (another schema version) is rebuilt, not kept.
if [ -f "$db" ]; then
    why=$("$kash" --no-init --readonly "$db" -c 'managers | limit 0' 2>&1 >/dev/null || true)
    case $why in
    *"schema version"*)
        say "examples/demo.db was written by another version of kash: rebuilding it"
        rm -f -- "$db" "$db-lock"
        ;;
    esac
fi

# 2. Sample data, generated into a scratch directory and moved into place
# only when complete.
missing=0
for f in "${csvs[@]}"; do
    [ -f "$data/$f" ] || missing=1
done
if [ "$missing" = 1 ]; then
    say "generating sample data into examples/data/"
    mkdir -p -- "$data"
    tmpdata=$(mktemp -d "$data/.gen.XXXXXX")
    "$gen" --seed 42 --accounts 2000 --managers 40 --interactions 100000 --out "$tmpdata" ||
        die "kash-gen failed"
    for f in "${csvs[@]}"; do
        mv -f -- "$tmpdata/$f" "$data/$f"
    done
    rm -rf -- "$tmpdata"
    tmpdata=""
fi

# 3. The database, built under a temporary name (the lock file of LMDB's
# MDB_NOSUBDIR mode is PATH-lock) and renamed only when every import
# succeeded: a failed build leaves no half database. The import paths are
# relative to the repository root, so kash runs there for this step.
if [ ! -f "$db" ]; then
    say "importing examples/data/ into examples/demo.db"
    tmpdb="$root/examples/.demo.$$.tmp.db"
    rm -f -- "$tmpdb" "$tmpdb-lock"
    (
        cd -- "$root"
        "$kash" --no-init \
            -c 'import managers from "examples/data/managers.csv";' \
            -c 'import accounts from "examples/data/accounts.csv";' \
            -c 'import interactions from "examples/data/interactions.csv";' \
            "$tmpdb"
    ) </dev/null >&2 || die "building examples/demo.db failed; nothing was kept"
    [ -s "$tmpdb" ] || die "kash reported success but wrote no database; nothing was kept"
    if [ -e "$tmpdb-lock" ]; then
        mv -f -- "$tmpdb-lock" "$db-lock"
    fi
    mv -f -- "$tmpdb" "$db" # last: demo.db present means complete
    tmpdb=""
    say "examples/demo.db ready"
fi

cleanup
trap - EXIT INT TERM
exec "$kash" "$@" "$db"
