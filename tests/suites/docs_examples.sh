#!/usr/bin/env bash
# docs_examples: runs the tested examples of docs/language.md, docs/import.md
# and docs/mutations.md.
#
#   KASH=build/kash bash tests/suites/docs_examples.sh [DOC.md ...]
#
# Conventions in the docs:
#   - A ```kash block is an example. The line right after its closing fence
#     must open a ```text block holding the exact output: standard output and
#     standard error of `kash -m csv -c BLOCK t.db`, merged, trailing newlines
#     ignored. A ```kash block without its ```text block is a failure; use
#     ```sh or a plain ``` fence for text that is not to be run.
#   - A line `<!-- file: NAME -->` right before a fenced block makes that
#     block's contents the file NAME (relative) in the working directory of
#     every example of the same document (NAME: a plain file name).
# Each example runs in a fresh copy of tests/data/ whose database t.db was
# built by tests/data/setup.inc, with LC_ALL=C KASH_TODAY=2025-06-30
# KASH_TEST=1 TZ=UTC USER=tester (USER: the user the audit trail records).
# The last line is "docs_examples: N passed, N failed"; the exit status is 0
# only when nothing failed (fewer than 25 examples in all counts as a failure:
# the extraction must have gone wrong).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
kash=${KASH:-$root/build/kash}
case $kash in /*) ;; *) kash=$(pwd)/$kash ;; esac
export LC_ALL=C KASH_TODAY=2025-06-30 KASH_TEST=1 TZ=UTC USER=tester
unset KASH_DB

docs=("$@")
[ ${#docs[@]} -eq 0 ] && docs=("$root/docs/language.md" "$root/docs/import.md" "$root/docs/mutations.md")

pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$kash" ]; then
    echo "docs_examples: no kash binary at $kash (set KASH)"
    echo "docs_examples: 0 passed, 1 failed"
    exit 1
fi

# The database every example starts from.
mkdir "$tmp/base"
cp -r "$root/tests/data/." "$tmp/base/"
if ! out=$(cd "$tmp/base" && "$kash" -f setup.inc t.db 2>&1); then
    echo "FAIL: building the test database from tests/data/setup.inc:"
    printf '%s\n' "$out"
    echo "docs_examples: 0 passed, 1 failed"
    exit 1
fi

# extract DOC DIR: writes DIR/NNNN.kash, NNNN.out (expected), NNNN.line (the
# line of the ```kash fence), DIR/files/NAME for file blocks, and DIR/errors
# for malformed examples (one "LINE: message" per line).
extract() {
    awk -v dir="$2" '
    BEGIN { n = 0; state = "doc"; pending = ""; errs = dir "/errors"; printf "" > errs }
    { line = $0; sub(/\r$/, "", line) }
    state == "afterkash" {
        if (line == "```text") { printf "" > (id ".out"); state = "text"; next }
        print kash_line ": ```kash block without a ```text block right after it" >> errs
        print "" > (dir "/drop." n); close(dir "/drop." n)
        state = "doc" # and look at this line again below
    }
    state == "doc" {
        if (line ~ /^<!-- file: [^ \/]+ -->$/) { pending = substr(line, 12, length(line) - 15); next }
        if (pending != "" && line ~ /^```/) {
            fname = dir "/files/" pending; printf "" > fname; pending = ""; state = "file"; next
        }
        pending = ""
        if (line == "```kash") {
            n++; id = sprintf("%s/%04d", dir, n); kash_line = NR
            print NR > (id ".line"); close(id ".line")
            printf "" > (id ".kash")
            state = "kash"
        }
        next
    }
    state == "file" {
        if (line ~ /^```[ \t]*$/) { close(fname); state = "doc"; next }
        print line >> fname
        next
    }
    state == "kash" {
        if (line ~ /^```[ \t]*$/) { close(id ".kash"); state = "afterkash"; next }
        print line >> (id ".kash")
        next
    }
    state == "text" {
        if (line ~ /^```[ \t]*$/) { close(id ".out"); state = "doc"; next }
        print line >> (id ".out")
        next
    }
    END {
        if (state == "afterkash")
            print kash_line ": ```kash block without a ```text block right after it" >> errs
        if (state == "afterkash") print "" > (dir "/drop." n)
        if (state == "kash" || state == "text" || state == "file")
            print NR ": unterminated code block at the end of the file" >> errs
        close(errs)
    }' "$1"
}

total=0
for doc in "${docs[@]}"; do
    name=$(basename "$doc")
    if [ ! -f "$doc" ]; then
        echo "FAIL: $doc does not exist"
        fail=$((fail + 1))
        continue
    fi
    dir="$tmp/ex/$name"
    mkdir -p "$dir/files"
    extract "$doc" "$dir"
    while IFS= read -r err; do
        [ -n "$err" ] || continue
        echo "FAIL: $name:$err"
        fail=$((fail + 1))
    done <"$dir/errors"
    for k in "$dir"/[0-9][0-9][0-9][0-9].kash; do
        [ -f "$k" ] || continue
        id=${k%.kash}
        n=$(basename "$id")
        [ -f "$dir/drop.$((10#$n))" ] && continue # reported above
        total=$((total + 1))
        line=$(cat "$id.line")
        work="$tmp/work"
        rm -rf "$work"
        cp -r "$tmp/base" "$work"
        cp -r "$dir/files/." "$work/"
        expected=$(cat "$id.out")
        actual=$(cd "$work" && "$kash" -m csv -c "$(cat "$k")" t.db 2>&1)
        if [ "$actual" == "$expected" ]; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            echo "FAIL: $name:$line"
            diff -u <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") |
                sed -e '1s/.*/--- expected/' -e '2s/.*/+++ actual/' | head -40
        fi
    done
done

if [ "$total" -lt 25 ] && [ $# -eq 0 ]; then
    echo "FAIL: only $total tested examples found in the docs (at least 25 expected)"
    fail=$((fail + 1))
fi
echo "docs_examples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
