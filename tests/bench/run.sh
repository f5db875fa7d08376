#!/usr/bin/env bash
# The kash benchmark: kash against sqlite3 and DuckDB on the same generated
# data, nine workloads, answers checked to agree, a table of median times.
#
#   tests/bench/run.sh [--scale small|full] [--dir DIR] [--runs N]
#                      [--only w1,w2] [--engines kash,sqlite,duckdb]
#
# What it does, how it times and what it compares: tests/bench/README.md.
# Exit status 0 when every engine ran every workload and all answers agree.
set -u
export LC_ALL=C TZ=UTC

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
all_workloads="import filter topn group history retention kpi reassign startup"
all_engines="kash sqlite duckdb"

usage() {
    cat <<EOF
usage: tests/bench/run.sh [--scale small|full] [--dir DIR] [--runs N]
                          [--only WORKLOAD,...] [--engines ENGINE,...]
  --scale    small: 20,000 accounts, 50 managers, 200,000 interactions (seconds)
             full:  1,000,000 accounts, 200 managers, 10,000,000 interactions (default)
  --dir      data and databases (default tests/bench/data/SCALE, git-ignored)
  --runs     timed runs per workload after one warm-up (default 5 full, 3 small)
  --only     workloads: $all_workloads
  --engines  engines: $all_engines (default all three)
EOF
}

die() {
    echo "bench: $*" >&2
    exit 2
}

scale=full dir="" runs="" only="" engines=""
while [ $# -gt 0 ]; do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --scale | --dir | --runs | --only | --engines)
            [ $# -ge 2 ] || die "$1 needs a value"
            case $1 in
                --scale) scale=$2 ;;
                --dir) dir=$2 ;;
                --runs) runs=$2 ;;
                --only) only=${2//,/ } ;;
                --engines) engines=${2//,/ } ;;
            esac
            shift 2 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done

case $scale in
    small) n_accounts=20000 n_managers=50 n_interactions=200000 default_runs=3 ;;
    full) n_accounts=1000000 n_managers=200 n_interactions=10000000 default_runs=5 ;;
    *) die "--scale is small or full, not '$scale'" ;;
esac
runs=${runs:-$default_runs}
[[ $runs =~ ^[0-9]+$ ]] && [ "$runs" -ge 1 ] || die "--runs needs a number of at least 1, not '$runs'"
only=${only:-$all_workloads}
engines=${engines:-$all_engines}
for w in $only; do [[ " $all_workloads " == *" $w "* ]] || die "unknown workload '$w' (known: $all_workloads)"; done
for e in $engines; do [[ " $all_engines " == *" $e "* ]] || die "unknown engine '$e' (known: $all_engines)"; done
# run in the fixed order, whatever the order given
workloads="" selected_engines=""
for w in $all_workloads; do [[ " $only " == *" $w "* ]] && workloads+="$w "; done
for e in $all_engines; do [[ " $engines " == *" $e "* ]] && selected_engines+="$e "; done
engines=$selected_engines

dir=${dir:-$here/data/$scale}
mkdir -p "$dir" || die "cannot create $dir"
dir=$(cd "$dir" && pwd)
[[ $dir == *[[:space:]]* ]] && die "the directory must not hold spaces: '$dir'"
data=$dir/data work=$dir/work queries=$dir/queries answers=$dir/answers
mkdir -p "$work" "$queries" "$answers"

# ---------------------------------------------------------------------------
# Tools: kash (built by tools/deps.sh), sqlite3, GNU time, node + the DuckDB
# package (npm, into tests/bench/node_modules). Installs what is missing.

kash=${KASH:-$root/build/kash}
gen=${KASH_GEN:-$root/build/kash-gen}
if [ ! -x "$kash" ] || [ ! -x "$gen" ]; then
    echo "bench: building kash (tools/deps.sh)" >&2
    "$root/tools/deps.sh" >&2 || die "tools/deps.sh failed"
fi
[ -x "$kash" ] || die "no kash executable at $kash"
[ -x "$gen" ] || die "no kash-gen executable at $gen"

apt_need=()
[ -x /usr/bin/time ] || apt_need+=(time)
command -v node >/dev/null || apt_need+=(nodejs)
command -v npm >/dev/null || apt_need+=(npm)
[[ " $engines " == *" sqlite "* ]] && ! command -v sqlite3 >/dev/null && apt_need+=(sqlite3)
if [ ${#apt_need[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "bench: installing ${apt_need[*]}" >&2
    $sudo apt-get update -qq >&2 &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${apt_need[@]}" >&2 ||
        die "apt-get install ${apt_need[*]} failed"
fi
if [[ " $engines " == *" duckdb "* ]] && [ ! -d "$here/node_modules/@duckdb/node-api" ]; then
    echo "bench: npm install (the versions of tests/bench/package-lock.json)" >&2
    npm install --prefix "$here" --no-save --no-audit --no-fund --loglevel=error >&2 ||
        die "npm install in tests/bench failed (is the npm registry reachable?)"
fi

# ---------------------------------------------------------------------------
# Data: kash-gen's CSV files, regenerated when missing or of another scale;
# then the parameters the workloads need, picked from the CSVs (params.mjs).

data_stamp="accounts=$n_accounts managers=$n_managers interactions=$n_interactions seed=42"
if [ "$(cat "$data/STAMP" 2>/dev/null)" != "$data_stamp" ] || [ ! -s "$dir/params.env" ]; then
    echo "bench: generating $data_stamp into $data" >&2
    rm -rf "$data" "$dir/params.env"
    "$gen" --accounts "$n_accounts" --managers "$n_managers" --interactions "$n_interactions" \
        --seed 42 --out "$data" >&2 || die "kash-gen failed"
    node "$here/params.mjs" "$data" >"$dir/params.env.new" || die "params.mjs failed"
    mv "$dir/params.env.new" "$dir/params.env"
    echo "$data_stamp" >"$data/STAMP"
fi

declare -A param=([DATA]=$data)
while IFS='=' read -r key value; do
    [ -n "$key" ] && param[$key]=$value
done <"$dir/params.env"

# render FILE: the workload file with {{KEY}} replaced by the parameters,
# written to $queries/FILE; prints that path.
render() {
    local name=$1 text key
    text=$(<"$here/workloads/$name") || die "no workload file $name"
    for key in "${!param[@]}"; do
        text=${text//"{{$key}}"/"${param[$key]}"}
    done
    [[ $text == *"{{"* ]] && die "$name: a {{PARAMETER}} is left unfilled"
    printf '%s\n' "$text" >"$queries/$name"
    echo "$queries/$name"
}

# ---------------------------------------------------------------------------
# Timing. A whole process runs under GNU time (peak RSS); its wall time is
# taken around it from bash's EPOCHREALTIME (microseconds).

ext() { case $1 in kash) echo kash ;; sqlite) echo sqlite.sql ;; duckdb) echo duckdb.sql ;; esac; }
number() { case $1 in import) echo 01 ;; filter) echo 02 ;; topn) echo 03 ;; group) echo 04 ;;
    history) echo 05 ;; retention) echo 06 ;; kpi) echo 07 ;; reassign) echo 08 ;; startup) echo 09 ;; esac; }
file_of() { echo "$(number "$1")_$1${3:-}.$(ext "$2")"; }  # WORKLOAD ENGINE [.check]

# measure OUT CMD…: runs CMD (standard input from $stdin_file) into OUT; sets
# $seconds and $rss_kb; stderr in $work/stderr. Returns CMD's status.
stdin_file=/dev/null
measure() {
    local out=$1 t0 t1 rc
    shift
    t0=$EPOCHREALTIME
    /usr/bin/time -f %M -o "$work/rss" "$@" <"$stdin_file" >"$out" 2>"$work/stderr"
    rc=$?
    t1=$EPOCHREALTIME
    seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
    rss_kb=$(tail -1 "$work/rss")
    return $rc
}

failed() {  # ENGINE WORKLOAD WHAT
    echo "bench: $2 on $1 failed: $3" >&2
    [ -s "$work/stderr" ] && tail -15 "$work/stderr" | sed 's/^/    /' >&2
    errors+="$2/$1 "
    return 1
}

# Times and memory of each workload/engine: space-separated lists.
declare -A times rss

record() {  # KEY RUN: keeps $seconds and $rss_kb of timed runs (run 0 is the warm-up)
    [ "$2" -gt 0 ] || return 0
    times[$1]+="$seconds "
    rss[$1]+="$rss_kb "
}

# Database files, prepared once per data, import workload and engine version.
db_of() { case $1 in kash) echo "$dir/kash.db" ;; sqlite) echo "$dir/sqlite.db" ;; duckdb) echo "$dir/duckdb.duckdb" ;; esac; }
version_of() {
    case $1 in
        kash) md5sum <"$kash" | cut -c1-12 ;;
        sqlite) sqlite3 --version | cut -d' ' -f1 ;;
        duckdb) node -p "require('$here/node_modules/@duckdb/node-api/package.json').version" ;;
    esac
}
db_stamp() { echo "$data_stamp $(md5sum <"$here/workloads/$(file_of import "$1")" | cut -c1-12) $(version_of "$1")"; }

rm_db() { rm -f "$1" "$1-lock" "$1-journal" "$1-wal" "$1.wal"; }

# run_import ENGINE RUNS: the warm-up then RUNS timed imports into a new database;
# the last one becomes the engine's prepared database.
run_import() {
    local e=$1 n=$2 q check i scratch=$work/import.$e key=import/$e
    q=$(render "$(file_of import "$e")") && check=$(render "$(file_of import "$e" .check)") || return 1
    case $e in
        kash | sqlite)
            for ((i = 0; i <= n; i++)); do
                rm_db "$scratch"
                if [ "$e" = kash ]; then
                    measure "$work/out" "$kash" --no-init -m csv "$scratch" -f "$q" || { failed "$e" import "exit $?"; return 1; }
                else
                    stdin_file=$q measure "$work/out" sqlite3 -init /dev/null -bail "$scratch" ||
                        { failed "$e" import "exit $?"; return 1; }
                fi
                record "$key" "$i"
            done
            answer "$e" import "$scratch" "$check" || return 1 ;;
        duckdb)
            node "$here/duck.mjs" import "$scratch" "$q" "$n" "$check" "$answers/import.duckdb.csv" \
                >"$work/duck.times" 2>"$work/stderr" || { failed "$e" import "exit $?"; return 1; }
            times[$key]=$(echo $(<"$work/duck.times")) ;;
    esac
    rm_db "$(db_of "$e")"
    mv "$scratch" "$(db_of "$e")"
    [ "$e" = duckdb ] || rm_db "$scratch"
    db_stamp "$e" >"$(db_of "$e").stamp"
}

# answer ENGINE WORKLOAD DB QUERY: the answer of a check query, untimed.
answer() {
    local e=$1 w=$2 db=$3 q=$4 out=$answers/$2.$1.csv
    case $e in
        kash) "$kash" --no-init -m csv "$db" -f "$q" >"$out" 2>"$work/stderr" ;;
        sqlite) sqlite3 -init /dev/null -bail -csv -header "$db" <"$q" >"$out" 2>"$work/stderr" ;;
    esac || failed "$e" "$w" "the check query failed (exit $?)"
}

# ensure_db ENGINE WORKLOAD: imports once, untimed, when the database is
# missing or stale; fails (for WORKLOAD) when that import failed.
declare -A broken
ensure_db() {
    local db
    db=$(db_of "$1")
    if [ -n "${broken[$1]:-}" ]; then
        errors+="$2/$1 "
        return 1
    fi
    if [ ! -f "$db" ] || [ "$(cat "$db.stamp" 2>/dev/null)" != "$(db_stamp "$1")" ]; then
        echo "bench: preparing the $1 database (one untimed import)" >&2
        run_import "$1" 0 || { broken[$1]=1; errors+="$2/$1 "; return 1; }
    fi
}

# run_query ENGINE WORKLOAD: a read-only workload on the prepared database.
run_query() {
    local e=$1 w=$2 q i db key=$2/$1
    q=$(render "$(file_of "$w" "$e")") || return 1
    db=$(db_of "$e")
    if [ "$e" = duckdb ] && [ "$w" != startup ]; then
        node "$here/duck.mjs" query "$db" "$q" "$answers/$w.duckdb.csv" "$runs" \
            >"$work/duck.times" 2>"$work/stderr" || { failed "$e" "$w" "exit $?"; return 1; }
        times[$key]=$(echo $(<"$work/duck.times"))
        return 0
    fi
    for ((i = 0; i <= runs; i++)); do
        case $e in
            kash) measure "$work/out" "$kash" --no-init -m csv "$db" -f "$q" ;;
            sqlite) stdin_file=$q measure "$work/out" sqlite3 -init /dev/null -bail -csv -header "$db" ;;
            duckdb) measure "$work/out" node "$here/duck.mjs" startup "$db" "$q" "$work/out" ;;
        esac || { failed "$e" "$w" "exit $?"; return 1; }
        record "$key" "$i"
    done
    cp "$work/out" "$answers/$w.$e.csv"
}

# run_reassign ENGINE: each run on a fresh copy of the prepared database (the copy
# is not timed); the check query's answer after the last run.
run_reassign() {
    local e=$1 q check i db scratch=$work/reassign.$e key=reassign/$1
    q=$(render "$(file_of reassign "$e")") && check=$(render "$(file_of reassign "$e" .check)") || return 1
    db=$(db_of "$e")
    if [ "$e" = duckdb ]; then
        node "$here/duck.mjs" reassign "$db" "$scratch" "$q" "$runs" "$check" "$answers/reassign.duckdb.csv" \
            >"$work/duck.times" 2>"$work/stderr" || { failed "$e" reassign "exit $?"; return 1; }
        times[$key]=$(echo $(<"$work/duck.times"))
        rm_db "$scratch"
        return 0
    fi
    for ((i = 0; i <= runs; i++)); do
        rm_db "$scratch"
        cp "$db" "$scratch"
        sync "$scratch"  # the copy's dirty pages are not for the engine to write
        case $e in
            kash) measure "$work/out" "$kash" --no-init --yes -m csv "$scratch" -f "$q" ;;
            sqlite) stdin_file=$q measure "$work/out" sqlite3 -init /dev/null -bail "$scratch" ;;
        esac || { failed "$e" reassign "exit $?"; return 1; }
        record "$key" "$i"
    done
    answer "$e" reassign "$scratch" "$check"
    rm_db "$scratch"
}

# ---------------------------------------------------------------------------
# Answers: each engine's CSV answer normalised (answers.mjs norm) and compared
# with the first engine's (answers.mjs same: numbers within a relative 1e-9).

norm_flags() {
    case $1 in
        group | history | kpi | reassign) echo --sort ;;
        retention) echo --sort --unpivot ;;
    esac
}

declare -A verdict
compare() {  # WORKLOAD
    local w=$1 e ref="" out
    verdict[$w]=agree
    for e in $engines; do
        [[ " $errors " == *" $w/$e "* ]] && { verdict[$w]=failed; continue; }
        out=$answers/$w.$e
        if [ ! -s "$out.csv" ]; then
            echo "bench: $w on $e gave no answer" >&2
            verdict[$w]=failed
            continue
        fi
        # shellcheck disable=SC2046
        node "$here/answers.mjs" norm $(norm_flags "$w") "$out.csv" "$out.norm.csv" || { verdict[$w]=failed; continue; }
        if [ -z "$ref" ]; then
            ref=$e
        elif ! node "$here/answers.mjs" same "$answers/$w.$ref.norm.csv" "$out.norm.csv" >"$work/same"; then
            echo "bench: ANSWERS DIFFER for $w: $ref (-) against $e (+), normalised" \
                "($answers/$w.$ref.norm.csv, $answers/$w.$e.norm.csv):" >&2
            cat "$work/same" >&2
            verdict[$w]=DIFFER
        fi
    done
    [ "${verdict[$w]}" = agree ] && [ "$(echo $engines | wc -w)" -lt 2 ] && verdict[$w]="(one engine)"
}

# ---------------------------------------------------------------------------
# The run.

errors=""
echo "bench: scale $scale ($data_stamp), $runs runs after a warm-up, engines: $engines, in $dir" >&2
for w in $workloads; do
    for e in $engines; do
        rm -f "$answers/$w.$e.csv" "$answers/$w.$e.norm.csv"
        case $w in
            import) run_import "$e" "$runs" || broken[$e]=1 ;;
            reassign) ensure_db "$e" "$w" && run_reassign "$e" ;;
            *) ensure_db "$e" "$w" && run_query "$e" "$w" ;;
        esac
        echo "bench: $w $e: ${times[$w/$e]:-}" >&2
    done
    compare "$w"
done

# The floor of a whole-process time: a process that does nothing, timed the
# same way (bash, GNU time, fork and exec).
floor=""
for i in $(seq 0 "$runs"); do
    measure /dev/null true || true
    [ "$i" -gt 0 ] && floor+="$seconds "
done

median() {  # numbers as arguments
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit; print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
max() { printf '%s\n' "$@" | sort -g | tail -1; }
secs() { [ -n "$1" ] && printf '%.4f' "$1" || printf '–'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "–"; else printf "%.2f", a / b }'; }

mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
{
    echo "kash benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $mem, Linux $(uname -r);" \
        "scale $scale ($n_accounts accounts, $n_managers managers, $n_interactions interactions);" \
        "median of $runs timed run(s) after 1 warm-up; kash $(version_of kash), sqlite3 $(version_of sqlite 2>/dev/null)," \
        "DuckDB (node-api) $(version_of duckdb 2>/dev/null)"
    echo
    echo "| workload | kash (s) | sqlite3 (s) | DuckDB (s) | kash/sqlite3 | kash/DuckDB | kash peak RSS (MB) | answers |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
    for w in $workloads; do
        # shellcheck disable=SC2086
        k=$(median ${times[$w/kash]:-}) s=$(median ${times[$w/sqlite]:-}) d=$(median ${times[$w/duckdb]:-})
        m=$(max ${rss[$w/kash]:-})
        [ -n "$m" ] && m=$(awk -v k="$m" 'BEGIN { printf "%.0f", k / 1024 }') || m="–"
        echo "| $(number "$w") $w | $(secs "$k") | $(secs "$s") | $(secs "$d") | $(ratio "$k" "$s") | $(ratio "$k" "$d") | $m | ${verdict[$w]} |"
    done
    echo
    # shellcheck disable=SC2086
    echo "A process that does nothing (\`true\`), timed as kash and sqlite3 are: $(secs "$(median $floor)") s."
} | tee "$dir/results.md"

bad=""
for w in $workloads; do [ "${verdict[$w]}" = agree ] || [ "${verdict[$w]}" = "(one engine)" ] || bad+="$w "; done
if [ -n "$bad" ] || [ -n "$errors" ]; then
    echo "bench: FAILED: ${errors:+failed runs: $errors; }${bad:+answers not agreeing: $bad}"
    exit 1
fi
if [ "$(echo $engines | wc -w)" -lt 2 ]; then
    echo "bench: all runs succeeded (one engine: no answers compared)"
else
    echo "bench: all answers agree"
fi
