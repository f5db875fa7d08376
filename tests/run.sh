#!/usr/bin/env bash
# The whole test suite: installs what a fresh Debian 12 machine lacks, builds,
# runs unit tests (cmocka), golden script tests and the script-level suites in
# tests/suites/, and ends with the line "N passed, N failed".
# Exit status 0 only when nothing failed.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)

tools/deps.sh || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
build=$root/build

pass=0 fail=0
add() { pass=$((pass + $1)); fail=$((fail + $2)); }

# Adds the counts of LINE ("…: N passed, N failed"), also left in P and F; a
# line without them counts as one failure, and so does an exit status RC
# (default 0) other than 0 when nothing else failed.
add_line() {
    P=$(echo "$1" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    F=$(echo "$1" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    [ -z "$F" ] && P=0 F=1
    if [ "${2:-0}" -ne 0 ] && [ "$F" -eq 0 ]; then F=1; fi
    add "$P" "$F"
}

# The script-level suites (each ends with "NAME: N passed, N failed") against
# the kash of build directory $1, each reported as "$2suite NAME: …".
run_suites() {
    local s out rc line
    for s in tests/suites/*.sh; do
        [ -f "$s" ] || continue
        out=$(KASH="$1/kash" KASH_GEN="$1/kash-gen" bash "$s" 2>&1)
        rc=$?
        line=$(printf '%s\n' "$out" | tail -1)
        add_line "$line" "$rc"
        [ "$F" -ne 0 ] && printf '%s\n' "$out" | tail -40
        echo "$2suite $(basename "$s" .sh): $P passed, $F failed"
    done
}

# Unit tests: every cmocka program meson built.
for t in "$build"/tests/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    out=$("$t" 2>&1)
    rc=$?
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    p=${p:-0} f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    [ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -E "FAILED|Error|error|failure" | head -20
    echo "unit $(basename "$t"): $p passed, $f failed"
    add "$p" "$f"
done

# Fuzz targets, replaying their stored corpus (tests/fuzz/corpus_*).
for t in "$build"/tests/fuzz_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    name=$(basename "$t")
    if out=$(KASH_FUZZ_DB="$build/tests/$name.db" KASH_FUZZ_REBUILD=1 KASH_FUZZ_DATA="$root/tests/data" \
        "$t" "$root/tests/fuzz/corpus_${name#fuzz_}" 2>&1); then
        echo "fuzz $name: $out"
        add 1 0
    else
        printf '%s\n' "$out" | tail -20
        echo "fuzz $name: FAILED"
        add 0 1
    fi
done

# Golden script tests.
out=$(tests/golden.sh "$build/kash" "$root/tests" 2>&1)
printf '%s\n' "$out" | grep -v '^golden: ' | head -200
line=$(printf '%s\n' "$out" | tail -1)
echo "$line"
add_line "$line"

# Script-level suites: each prints "NAME: N passed, N failed" as its last line.
run_suites "$build" ""

# The benchmark harness at its small scale (tests/bench/README.md), once,
# against the release build: it must run on kash, sqlite3 and DuckDB and find
# their answers agreeing. Times are not checked.
benchdir=$(mktemp -d "${TMPDIR:-/tmp}/kash-bench.XXXXXX")
out=$(KASH="$build/kash" KASH_GEN="$build/kash-gen" tests/bench/run.sh --scale small --runs 1 \
    --dir "$benchdir" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | tail -1)" = "bench: all answers agree" ]; then
    echo "bench (small): all answers agree"
    add 1 0
else
    printf '%s\n' "$out" | tail -40
    echo "bench (small): FAILED (exit $rc)"
    add 0 1
fi
rm -rf "$benchdir"

# Its usage errors: exit 2 and one message naming what was wrong, before any work.
while IFS='|' read -r args want; do
    # shellcheck disable=SC2086
    out=$(KASH="$build/kash" KASH_GEN="$build/kash-gen" tests/bench/run.sh $args 2>&1)
    rc=$?
    if [ "$rc" -eq 2 ] && [ "$out" != "${out#*"$want"}" ] && [ "$(printf '%s\n' "$out" | grep -c '^bench: ')" -eq 1 ]; then
        add 1 0
    else
        echo "FAIL bench usage: run.sh $args (exit $rc): $out"
        add 0 1
    fi
done <<'CASES'
--scale nonsense|--scale is small or full, not 'nonsense'
--runs 0|--runs needs a number of at least 1, not '0'
--runs x|--runs needs a number of at least 1, not 'x'
--only filter,nope|unknown workload 'nope'
--engines kash,postgres|unknown engine 'postgres'
--scale|--scale needs a value
--frobnicate|unknown argument '--frobnicate'
CASES
echo "bench usage errors: checked"

# The whole suite again (unit, fuzz replays, golden, Ctrl-C cases, every
# script suite) in a build with AddressSanitizer and UndefinedBehaviorSanitizer
# (leaks included): any report fails the test.
# KASH_NO_ASAN=1 skips it.
if [ -z "${KASH_NO_ASAN:-}" ]; then
    asan=$root/build-asan
    if { [ -f "$asan/build.ninja" ] || meson setup "$asan" -Db_sanitize=address,undefined \
            -Dbuildtype=debug >/dev/null; } && ninja -C "$asan" >/dev/null; then
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
        for t in "$asan"/tests/test_* "$asan"/tests/fuzz_*; do
            [ -f "$t" ] && [ -x "$t" ] || continue
            name=$(basename "$t")
            args=()
            [[ $name == fuzz_* ]] && args=("$root/tests/fuzz/corpus_${name#fuzz_}")
            if out=$(KASH_FUZZ_DB="$asan/tests/$name.db" KASH_FUZZ_REBUILD=1 KASH_FUZZ_DATA="$root/tests/data" \
                "$t" "${args[@]}" 2>&1) && ! grep -q "runtime error\|Sanitizer" <<<"$out"; then
                add 1 0
            else
                printf '%s\n' "$out" | grep -E "FAILED|ERROR|runtime error|Sanitizer|#[0-9]" | head -20
                echo "asan $name: FAILED"
                add 0 1
            fi
        done
        line=$(tests/golden.sh "$asan/kash" "$root/tests" 2>&1 | tee /tmp/kash-asan-golden.$$ | tail -1)
        grep -v '^golden: ' /tmp/kash-asan-golden.$$ | head -60
        rm -f /tmp/kash-asan-golden.$$
        echo "asan $line"
        add_line "$line"
        # Ctrl-C in the middle of a scan, an import, a sort and rfm (sixty of them, each
        # reading every account's orders: seconds under the sanitizers): exit 130, no leak
        # reports
        tmp=$(mktemp -d)
        "$build/kash-gen" --accounts 20000 --managers 20 --interactions 400000 --out "$tmp" 2>/dev/null
        "$build/kash" "$tmp/i.db" -c "import managers from \"$tmp/managers.csv\"" \
            -c "import accounts from \"$tmp/accounts.csv\"" >/dev/null
        cp "$tmp/i.db" "$tmp/c.db"
        rfms=accounts
        for m in 2020-{01..12} 2021-{01..12} 2022-{01..12} 2023-{01..12} 2024-{01..12}; do
            rfms="$rfms | rfm over $m"
        done
        "$build/kash" "$tmp/c.db" -c "import interactions from \"$tmp/interactions.csv\"" >/dev/null
        for q in 'c.db|interactions | group by account, kind, at agg count() as n, sum(amount) | count' \
                 "i.db|import interactions from \"$tmp/interactions.csv\"" \
                 'c.db|interactions | sort amount desc, at | select account, amount' \
                 "c.db|$rfms | sort rfm, id | select id, rfm"; do
            "$asan/kash" "$tmp/${q%%|*}" -c "${q#*|}" >/dev/null 2>"$tmp/err" &
            pid=$!
            sleep 0.4
            kill -INT "$pid" 2>/dev/null
            wait "$pid"
            rc=$?
            if [ "$rc" -eq 130 ] && ! grep -q "Sanitizer\|runtime error" "$tmp/err"; then
                add 1 0
            else
                echo "asan ctrl-c [$q]: exit $rc"
                head -20 "$tmp/err"
                add 0 1
            fi
        done
        rm -rf "$tmp"
        # the script-level suites too, against the sanitized binaries
        run_suites "$asan" "asan "
    else
        echo "asan build failed"
        add 0 1
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
