#!/usr/bin/env bash
# Golden script tests: runs each tests/golden/NAME.kash with kash and compares
# stdout+stderr (and the exit code) with NAME.out.
#   tests/golden.sh KASH TESTS_DIR [NAME...]     compare
#   KASH_GOLDEN_UPDATE=1 tests/golden.sh ...     rewrite the .out files (review the diff!)
# Each script runs in a fresh temporary directory holding a copy of
# tests/data/, with a new database t.db; a first line "-- args: ..." adds
# command-line options (e.g. -m json). The exit code is appended as "[exit N]".
set -u
kash=$(readlink -f "$1")
dir=$(readlink -f "$2")
shift 2
export LC_ALL=C KASH_TODAY=2025-06-30 KASH_TEST=1 TZ=UTC USER=tester
unset KASH_DB
export HOME=$(mktemp -d) # no ~/.kashrc or history of the person running the tests
trap 'rm -rf "$HOME"' EXIT
pass=0 fail=0
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in "$dir"/golden/*.kash; do names+=("$(basename "$f" .kash)"); done
fi
for name in "${names[@]}"; do
    script="$dir/golden/$name.kash"
    expected="$dir/golden/$name.out"
    work=$(mktemp -d)
    cp -r "$dir/data/." "$work/" 2>/dev/null
    args=$(sed -n '1s/^-- args: //p' "$script")
    actual=$(cd "$work" && eval "\"$kash\" $args -f \"$script\" t.db" 2>&1; echo "[exit $?]")
    actual=${actual//"$script"/"$name.kash"}
    rm -rf "$work"
    if [ -n "${KASH_GOLDEN_UPDATE:-}" ]; then
        printf '%s\n' "$actual" >"$expected"
        pass=$((pass + 1))
    elif [ -f "$expected" ] && [ "$actual" == "$(cat "$expected")" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: golden/$name"
        if [ -f "$expected" ]; then
            diff -u "$expected" <(printf '%s\n' "$actual") | head -40
        else
            echo "  (no $name.out; run with KASH_GOLDEN_UPDATE=1 to create it)"
        fi
    fi
done
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
