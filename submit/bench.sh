#!/usr/bin/env bash
# Benchmarks Sluice against the job one would write by hand in plain Spark, on several shapes of generated events.
#   submit/bench.sh [--events N] [--batch N] [--repeat R] [--shapes LIST] [--big-table N] [--quick] [--work DIR]
#   submit/bench.sh --memory [--memory-scale F] [--memory-cases LIST] [--work DIR]
#     --events N     events in each shape's input (default 1000000)
#     --batch N      events in the incremental batch (default 100000)
#     --repeat R     runs of each case; the median is reported (default 1; 3 for figures worth quoting)
#     --shapes LIST  comma-separated, of: days30, days365, files2000, gzip, bigfile (default: all)
#     --big-table N  also distribute the batch into a table of N events built by one run (default: none)
#     --quick        a tiny input, every shape once, for CI (timings at this size mean nothing)
#     --work DIR     scratch directory, replaced piece by piece (default target/bench)
#     --memory       only the memory cases, each parsed with a 2 GB heap on local[2]: 16 files of 74 MB (1.2 GB),
#                    one 5 GB JSON-lines file, one gzip file holding 10 GB; wall time and peak RSS of each
#     --memory-scale F  multiplies the memory cases' sizes (default 1; 0.1 for a look in minutes)
#     --memory-cases LIST  comma-separated, of: files, big, gzip (default: all)
#     --moves N ...  instead of the above: the moves of one parse batch of N small files on S3Proxy, one after the
#                    other and concurrently (submit/bench-moves.sh --files N ...; the options after N are its own)
# Shapes (sluice generate options): days30 = 30 days, 16 files (~500 partitions); days365 = 365 days, 16 files
# (~6,000 partitions); files2000 = 365 days in 2,000 small files; gzip = 365 days, 16 gzip files; bigfile = 365 days
# in one file (parse of one big file against days365's same events in 16 files).
# For each shape, each in its own JVM started by submit/local.sh: (1) the plain Spark baseline: infer JSON, latest
# per event_id by row_number, Parquet partitioned like trusted; (2) the same job in DuckDB (its JDBC driver, fetched
# from Maven Central into target/bench-lib; reported as not measured when it cannot be fetched); (3) sluice run
# (parse + distribute) of the same input into an empty lake; (4) Spark's own JSON reader with the events schema
# given writing the files to Parquet, and (5) sluice parse alone of the same files. Then sluice distribute of a
# further batch into an empty table, into the days365 table, and into the --big-table table; into the last two also
# with a tenth as many re-sends of the table's own events (7% newer versions that move to another day:
# submit/bench-resend.py), and that batch with those re-sends into an empty table as well (the same input into tables
# of 0 and N rows); each of these --repeat times, on a fresh copy of its table, the cases taking turns.
# Prints wall time, records/s, MB/s, peak RSS, files written and the ratios; also to <work>/results.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

events=1000000
batch=100000
repeat=1
shapes=days30,days365,files2000,gzip,bigfile
big_table=0
work=target/bench
memory=0
memory_scale=1
memory_cases=files,big,gzip

usage() { sed -n '2,30s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
fail() { echo "bench: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --events) [[ $# -ge 2 ]] || fail "--events needs a value"; events=$2; shift 2 ;;
    --batch) [[ $# -ge 2 ]] || fail "--batch needs a value"; batch=$2; shift 2 ;;
    --repeat) [[ $# -ge 2 ]] || fail "--repeat needs a value"; repeat=$2; shift 2 ;;
    --shapes) [[ $# -ge 2 ]] || fail "--shapes needs a value"; shapes=$2; shift 2 ;;
    --big-table) [[ $# -ge 2 ]] || fail "--big-table needs a value"; big_table=$2; shift 2 ;;
    --quick) events=2000; batch=500; repeat=1; shift ;;
    --work) [[ $# -ge 2 ]] || fail "--work needs a value"; work=$2; shift 2 ;;
    --memory) memory=1; shift ;;
    --memory-scale) [[ $# -ge 2 ]] || fail "--memory-scale needs a value"; memory_scale=$2; shift 2 ;;
    --memory-cases) [[ $# -ge 2 ]] || fail "--memory-cases needs a value"; memory_cases=$2; shift 2 ;;
    --moves) [[ $# -ge 2 ]] || fail "--moves needs a number of files"; move_files=$2; shift 2
      exec submit/bench-moves.sh --files "$move_files" "$@" ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; fail "unknown argument: $1" ;;
  esac
done
for n in events batch repeat; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || fail "--$n must be a positive integer, got '${!n}'"
done
[[ $big_table =~ ^[0-9]+$ ]] || fail "--big-table must be a number of events, got '$big_table'"
[[ $memory_scale =~ ^[0-9]*\.?[0-9]+$ ]] || fail "--memory-scale must be a positive number, got '$memory_scale'"
IFS=, read -r -a memory_list <<< "$memory_cases"
for name in "${memory_list[@]}"; do
  case $name in files|big|gzip) ;; *) fail "unknown memory case '$name' (files, big, gzip)" ;; esac
done
IFS=, read -r -a shape_list <<< "$shapes"
for shape in "${shape_list[@]}"; do
  case $shape in
    days30|days365|files2000|gzip|bigfile) ;;
    *) fail "unknown shape '$shape' (days30, days365, files2000, gzip, bigfile)" ;;
  esac
done
mkdir -p "$work"
work="$(cd "$work" && pwd)"
logs=$work/logs
mkdir -p "$logs"

if /usr/bin/time -v true >/dev/null 2>&1; then
  gnu_time=1
else
  gnu_time=0
  echo "bench: /usr/bin/time -v not available (Debian package 'time'); sampling VmHWM from /proc instead" >&2
fi

echo "== build and class-data archive (when sources changed; submit/local.sh)"
submit/local.sh --version

# DuckDB, the single-node yardstick: its JDBC driver (native library inside) next to the build, not in Sluice's jar.
duckdb_version=1.4.4.0
duckdb_jar=$root/target/bench-lib/duckdb_jdbc-$duckdb_version.jar
if [[ ! -f $duckdb_jar ]]; then
  echo "== fetch DuckDB $duckdb_version (org.duckdb:duckdb_jdbc)"
  mvn -q -B dependency:copy -Dartifact="org.duckdb:duckdb_jdbc:$duckdb_version" \
    -DoutputDirectory="$root/target/bench-lib" > "$logs/fetch-duckdb.log" 2>&1 \
    || echo "bench: could not fetch DuckDB's driver (see $logs/fetch-duckdb.log); DuckDB is not measured" >&2
fi

# generate DIR EVENTS SEED [OPTIONS...]: writes DIR once per (events, seed, options); keeps its summary in DIR.summary.
generate() {
  local dir=$1 n=$2 seed=$3
  shift 3
  local key="events=$n seed=$seed $*"
  if [[ -f $dir.summary && "$(head -1 "$dir.summary")" == "$key" ]]; then
    echo "== reusing $dir ($key)"
  else
    echo "== generate $key into $dir"
    rm -rf "$dir" "$dir.summary"
    local log=$logs/generate-$(basename "$dir").log
    submit/local.sh generate --events "$n" --seed "$seed" --out "$dir" "$@" > "$log" \
      || { cat "$log" >&2; fail "generate failed"; }
    { echo "$key"; cat "$log"; } > "$dir.summary"
  fi
  sed 1d "$dir.summary"
}

# summary_value DIR KEY: a number from a generate summary ("  records:      21954 (...)").
summary_value() {
  awk -v key="$2:" '$1 == key { print $2; exit }' "$1.summary"
}

declare -A wall rss failed
# measure NAME COMMAND...: runs it, keeps wall seconds and peak RSS (MB); its output goes to logs/NAME.log.
# A failure stops the benchmark, except with MAY_FAIL=1, where the case is reported as failed.
measure() {
  local name=$1; shift
  local log=$logs/$name.log start end status=0 peak_kb=0
  echo "== $name"
  start=$(date +%s%N)
  if (( gnu_time )); then
    /usr/bin/time -v -o "$logs/$name.time" "$@" > "$log" 2>&1 || status=$?
    peak_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$logs/$name.time")
  else
    "$@" > "$log" 2>&1 &
    local pid=$! hwm
    while kill -0 "$pid" 2>/dev/null; do
      hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
      [[ -n $hwm && $hwm -gt $peak_kb ]] && peak_kb=$hwm
      sleep 0.2
    done
    wait "$pid" || status=$?
  fi
  end=$(date +%s%N)
  if (( status != 0 )); then
    grep -m1 '^error:' "$log" >&2 || tail -25 "$log" >&2
    [[ ${MAY_FAIL:-0} == 1 ]] || fail "$name failed with exit code $status; full output in $log"
    echo "bench: $name failed with exit code $status; reported as failed, full output in $log" >&2
    failed[$name]=1
  fi
  grep -E '^(parse|distribute) |succeeded in' "$log" | sed 's/^/   /' || true
  wall[$name]=$(awk -v ns=$(( end - start )) 'BEGIN { printf "%.1f", ns / 1e9 }')
  rss[$name]=$(( peak_kb / 1024 ))
}

declare -A files median partitions per_partition
# output_files NAME DIR [NEWER_THAN]: data files under DIR, leaving out _delta_log, _sluice and hidden files.
output_files() {
  local name=$1 dir=$2 newer=${3:-}
  local listing=$logs/$name.files
  find "$dir" -mindepth 1 \( -name '_*' -o -name '.*' \) -prune -o -type f ${newer:+-newer "$newer"} \
    -printf '%s %h\n' > "$listing"
  files[$name]=$(wc -l < "$listing")
  median[$name]=$(awk '{ print $1 }' "$listing" | sort -n \
    | awk '{ size[NR] = $1 } END { if (NR == 0) print "0"; else printf "%.1f", size[int((NR + 1) / 2)] / 1024 }')
  partitions[$name]=$(awk '{ print $2 }' "$listing" | sort -u | wc -l)
  per_partition[$name]=$(awk -v f="${files[$name]}" -v p="${partitions[$name]}" \
    'BEGIN { if (p == 0) print "0"; else printf "%.2f", f / p }')
}

# lake_options DIR: the zone overrides that put a lake under DIR.
lake_options() {
  echo --landing "$1/landing" --stage "$1/stage" --trusted "$1/trusted" --quarantine "$1/quarantine"
}

# fresh_lake DIR INPUT: an empty lake whose landing/pending holds a copy of INPUT.
fresh_lake() {
  rm -rf "$1"
  mkdir -p "$1/landing/pending"
  cp "$2"/* "$1/landing/pending/"
}

# shape_options SHAPE: the generate options of a shape.
shape_options() {
  local small_files=2000
  (( events < 200000 )) && small_files=$(( events / 100 > 20 ? events / 100 : 20 ))
  case $1 in
    days30) echo --days 30 --files 16 ;;
    days365) echo --days 365 --files 16 ;;
    files2000) echo --days 365 --files "$small_files" ;;
    gzip) echo --days 365 --files 16 --layout gzip ;;
    bigfile) echo --days 365 --files 1 ;;
  esac
}

# median NAME...: the median of the wall times of NAME-1..NAME-R, kept as wall[NAME]; rss and files from the last run.
median_of() {
  local name=$1 i values=()
  for (( i = 1; i <= repeat; i++ )); do
    [[ -z ${failed[$name-$i]:-} ]] || failed[$name]=1
    values+=("${wall[$name-$i]}")
  done
  wall[$name]=$(printf '%s\n' "${values[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  rss[$name]=${rss[$name-$repeat]}
  files[$name]=${files[$name-$repeat]:-}; median[$name]=${median[$name-$repeat]:-}
  partitions[$name]=${partitions[$name-$repeat]:-}; per_partition[$name]=${per_partition[$name-$repeat]:-}
}

# memory_cases: parse of inputs far larger than the heap, each with a 2 GB heap on local[2]. The inputs are made
# from one generated file of 300,000 events (74 MB): copies, each made distinct by a first line of its own so no
# copy is taken for a re-delivery of another; the big file and the gzip file repeat the events inside one file.
memory_cases() {
  local base=$work/memory-base copies big_copies gzip_copies i
  generate "$base" 300000 42 --days 365 --files 1
  local base_file
  base_file=$(ls "$base"/*.json)
  copies=$(awk -v f="$memory_scale" 'BEGIN { n = int(16 * f + 0.5); print (n < 1 ? 1 : n) }')
  big_copies=$(awk -v f="$memory_scale" 'BEGIN { n = int(68 * f + 0.5); print (n < 1 ? 1 : n) }')
  gzip_copies=$(awk -v f="$memory_scale" 'BEGIN { n = int(135 * f + 0.5); print (n < 1 ? 1 : n) }')
  local inputs=$work/memory-inputs-$memory_scale
  mkdir -p "$inputs"
  if [[ " ${memory_list[*]} " == *" files "* && ! -f $inputs/files.complete ]]; then
    echo "== memory input: $copies distinct files"
    rm -rf "$inputs/files"
    mkdir -p "$inputs/files"
    for (( i = 1; i <= copies; i++ )); do
      { printf '{"event_id":"copy-%05d","timestamp":"2024-01-01T00:00:00Z","domain":"bench","event_type":"copy","data":{}}\n' "$i"
        cat "$base_file"; } > "$inputs/files/events-$(printf %05d "$i").json"
    done
    touch "$inputs/files.complete"
  fi
  if [[ " ${memory_list[*]} " == *" big "* && ! -f $inputs/big.complete ]]; then
    echo "== memory input: one file of $big_copies copies"
    rm -rf "$inputs/big"
    mkdir -p "$inputs/big"
    for (( i = 1; i <= big_copies; i++ )); do cat "$base_file"; done > "$inputs/big/events-big.json"
    touch "$inputs/big.complete"
  fi
  if [[ " ${memory_list[*]} " == *" gzip "* && ! -f $inputs/gzip.complete ]]; then
    echo "== memory input: one gzip file of $gzip_copies copies"
    rm -rf "$inputs/gzip"
    mkdir -p "$inputs/gzip"
    for (( i = 1; i <= gzip_copies; i++ )); do cat "$base_file"; done | gzip -1 > "$inputs/gzip/events-big.json.gz"
    touch "$inputs/gzip.complete"
  fi
  local results=$work/results-memory.md name dir
  declare -A label bytes
  label[files]="$copies files of $(( $(stat -c %s "$base_file") / 1000000 )) MB"
  label[big]="one JSON-lines file"
  label[gzip]="one gzip file"
  for name in "${memory_list[@]}"; do
    dir=$work/lake-memory-$name
    rm -rf "$dir"
    mkdir -p "$dir/landing/pending" "$work/reports"
    cp "$inputs/$name"/* "$dir/landing/pending/"
    bytes[$name]=$(du -cb "$inputs/$name"/* | awk 'END { print $1 }')
    # shellcheck disable=SC2046
    MAY_FAIL=1 measure "memory-$name" env SLUICE_DRIVER_MEMORY=2g SLUICE_MASTER='local[2]' submit/local.sh parse \
      $(lake_options "$dir") --report "$work/reports/memory-$name.json"
    rm -rf "$dir"
  done
  local base_records
  base_records=$(summary_value "$base" records)
  {
    echo "# Sluice parse, inputs larger than the heap"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, master local[2], driver memory 2g," \
      "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), one run per case"
    echo
    echo "| case | stored MB | records | wall s | stored MB/s | peak RSS MB | result |"
    echo "|---|---:|---:|---:|---:|---:|---|"
    local records
    for name in "${memory_list[@]}"; do
      case $name in
        files) records=$(( copies * (base_records + 1) )) ;;
        big) records=$(( big_copies * base_records )) ;;
        gzip) records=$(( gzip_copies * base_records )) ;;
      esac
      awk -v l="${label[$name]}" -v b="${bytes[$name]}" -v n="$records" -v w="${wall[memory-$name]}" \
        -v r="${rss[memory-$name]}" -v ok="$([[ -z ${failed[memory-$name]:-} ]] && echo parsed || echo FAILED)" \
        'BEGIN { printf "| %s | %.0f | %d | %.1f | %.1f | %d | %s |\n", l, b / 1e6, n, w, b / 1e6 / w, r, ok }'
    done
    echo
    [[ " ${memory_list[*]} " != *" gzip "* ]] || echo "The gzip file holds" \
      "$(( gzip_copies * $(stat -c %s "$base_file") / 1000000 )) MB of JSON lines; gzip is read by one task."
    echo "Peak RSS is the whole JVM's (heap, Spark's off-heap buffers, metaspace)." \
      "Logs: $logs/memory-*.log."
  } > "$results"
  echo
  cat "$results"
  local failures="${!failed[*]}"
  [[ -z $failures ]] || fail "failed cases: $failures (see $logs)"
}

if (( memory )); then
  memory_cases
  exit 0
fi

declare -A records_of bytes_of
for shape in "${shape_list[@]}"; do
  input=$work/input-$shape
  # shellcheck disable=SC2046
  generate "$input" "$events" 42 $(shape_options "$shape")
  records_of[$shape]=$(summary_value "$input" records)
  bytes_of[$shape]=$(summary_value "$input" bytes)
  for (( i = 1; i <= repeat; i++ )); do
    rm -rf "$work/baseline-$shape"
    MAY_FAIL=1 measure "baseline-$shape-$i" env SLUICE_MAIN=io.sluice.bench.PlainSparkBaseline submit/local.sh \
      "$input" "$work/baseline-$shape"
    output_files "baseline-$shape-$i" "$work/baseline-$shape"
    if [[ -f $duckdb_jar ]]; then
      rm -rf "$work/duckdb-$shape"
      MAY_FAIL=1 measure "duckdb-$shape-$i" java -cp "target/sluice.jar:$duckdb_jar" io.sluice.bench.DuckDbBaseline \
        "$input" "$work/duckdb-$shape"
      output_files "duckdb-$shape-$i" "$work/duckdb-$shape"
    fi
    lake=$work/lake-$shape
    fresh_lake "$lake" "$input"
    mkdir -p "$work/reports"
    # shellcheck disable=SC2046
    MAY_FAIL=1 measure "run-$shape-$i" submit/local.sh run $(lake_options "$lake") \
      --report "$work/reports/run-$shape-$i.json"
    output_files "run-$shape-$i" "$lake/trusted"
    rm -rf "$work/spark-json-$shape"
    MAY_FAIL=1 measure "spark-json-$shape-$i" env SLUICE_MAIN=io.sluice.bench.SparkJsonToParquet submit/local.sh \
      "$input" "$work/spark-json-$shape"
    output_files "spark-json-$shape-$i" "$work/spark-json-$shape"
    fresh_lake "$work/lake-parse" "$input"
    # shellcheck disable=SC2046
    MAY_FAIL=1 measure "parse-$shape-$i" submit/local.sh parse $(lake_options "$work/lake-parse") \
      --report "$work/reports/parse-$shape-$i.json"
    output_files "parse-$shape-$i" "$work/lake-parse/stage"
  done
  for case in baseline run spark-json parse; do
    median_of "$case-$shape"
  done
  [[ ! -f $duckdb_jar ]] || median_of "duckdb-$shape"
done

batch_input=$work/batch
generate "$batch_input" "$batch" 4242 --days 365 --files 4
batch_records=$(summary_value "$batch_input" records)
batch_bytes=$(summary_value "$batch_input" bytes)

# Re-sends: a tenth of the batch again, as events the target table already holds (7% of them newer versions that
# move to another day), the shape of a feed that re-delivers and corrects old events.
resends=$(( batch / 10 > 0 ? batch / 10 : 1 ))
# resend_of INPUT FILE: re-sends of events from INPUT (the input a table was built from) into FILE.
resend_of() {
  python3 submit/bench-resend.py "$1" "$2" "$resends" 0.07 4343 > "$logs/resend-$(basename "$2").log" \
    || { cat "$logs/resend-$(basename "$2").log" >&2; fail "sampling re-sends from $1 failed"; }
}

# distribute_into NAME BASE [FILE]: parse the batch (and FILE) into a copy of the lake BASE (an empty lake when BASE
# is -), then measure its distribute (files: those it wrote); the copy is removed after, so BASE stays as it was for
# the next run.
distribute_into() {
  local name=$1 lake=$work/lake-incremental marker=$work/$1.marker
  rm -rf "$lake"
  if [[ $2 == - ]]; then mkdir -p "$lake"; else cp -r "$2" "$lake"; fi
  mkdir -p "$lake/landing/pending"
  cp "$batch_input"/* "$lake/landing/pending/"
  [[ -z ${3:-} ]] || cp "$3" "$lake/landing/pending/"
  # shellcheck disable=SC2046
  submit/local.sh parse $(lake_options "$lake") > "$logs/parse-$name.log" 2>&1 \
    || { tail -25 "$logs/parse-$name.log" >&2; fail "parse of the batch for $name failed"; }
  # The copy of the table (9 GB at 20M events) and the parse are written back first: the measured distribute must not
  # share the disk with the kernel flushing the harness's own writes.
  sync
  touch "$marker"
  sleep 1
  # shellcheck disable=SC2046
  MAY_FAIL=1 measure "$name" submit/local.sh distribute $(lake_options "$lake") --report "$work/reports/$name.json"
  output_files "$name" "$lake/trusted" "$marker"
  rm -rf "$lake"
}

mkdir -p "$work/reports"
# The incremental cases, each with the lake it starts from (- for none) and the file of re-sends it adds, if any.
incremental=(distribute-empty)
declare -A base_of=([distribute-empty]=-) resends_of
# A batch with re-sends is also distributed into an empty table: the same input into tables of 0 and N rows (the
# re-sends are then new keys), the incremental ratio as the issue states it, beside the ratio to the batch alone.
declare -A empty_of
if [[ " ${shape_list[*]} " == *" days365 "* ]]; then
  incremental+=(distribute-days365 distribute-days365-resend distribute-empty-resend-days365)
  base_of[distribute-days365]=$work/lake-days365
  base_of[distribute-days365-resend]=$work/lake-days365
  resends_of[distribute-days365-resend]=$work/resend-days365.json
  base_of[distribute-empty-resend-days365]=-
  resends_of[distribute-empty-resend-days365]=$work/resend-days365.json
  empty_of[distribute-days365-resend]=distribute-empty-resend-days365
  resend_of "$work/input-days365" "$work/resend-days365.json"
fi
if (( big_table > 0 )); then
  big=$work/lake-big-$big_table
  # The input the table is built from, again when another size replaced it: its re-sends are sampled from it.
  generate "$work/input-big" "$big_table" 77 --days 365
  # A table built before distribute kept a key index, or kept it in another layout, would have it built again by the
  # first measured batch, and one built before the consumed-batches summary would have every measured batch read the
  # ledger: the marker names what the table was built with.
  built_with="key index: key hashes, INT64 versions; consumed-batches summary"
  if [[ ! -f $big.built || "$(cat "$big.built")" != "$built_with" ]]; then
    fresh_lake "$big" "$work/input-big"
    # shellcheck disable=SC2046
    submit/local.sh run $(lake_options "$big") > "$logs/build-big.log" 2>&1 \
      || { tail -25 "$logs/build-big.log" >&2; fail "building the $big_table-event table failed"; }
    echo "$built_with" > "$big.built"
  fi
  incremental+=(distribute-big distribute-big-resend distribute-empty-resend-big)
  base_of[distribute-big]=$big
  base_of[distribute-big-resend]=$big
  resends_of[distribute-big-resend]=$work/resend-big.json
  base_of[distribute-empty-resend-big]=-
  resends_of[distribute-empty-resend-big]=$work/resend-big.json
  empty_of[distribute-big-resend]=distribute-empty-resend-big
  resend_of "$work/input-big" "$work/resend-big.json"
fi
# Each case runs --repeat times on a fresh copy of its table, the cases taking turns, so a slow spell of the machine
# falls on all of them rather than on one.
for (( i = 1; i <= repeat; i++ )); do
  for name in "${incremental[@]}"; do
    distribute_into "$name-$i" "${base_of[$name]}" "${resends_of[$name]:-}"
  done
done
for name in "${incremental[@]}"; do
  median_of "$name"
done

# row NAME LABEL RECORDS BYTES: one line of the markdown table.
row() {
  local name=$1 label=$2 n=$3 b=$4 w=${wall[$1]}
  if [[ -n ${failed[$name]:-} ]]; then
    echo "| $label | FAILED after $w s, see $logs/$name*.log | | | | | | | | | |"
    return
  fi
  awk -v label="$label" -v w="$w" -v n="$n" -v b="$b" -v rss="${rss[$name]}" -v f="${files[$name]:-}" \
    -v med="${median[$name]:-}" -v p="${partitions[$name]:-}" -v fpp="${per_partition[$name]:-}" 'BEGIN {
      printf "| %s | %.1f | %d | %.0f | %.1f | %.2f | %d | %s | %s | %s | %s |\n",
        label, w, n, n / w, b / 1e6, b / 1e6 / w, rss, f, med, p, fpp }'
}
# ratio A B [NAMES...]: A / B to two decimals, n/a when a named case failed.
ratio() {
  local a=$1 b=$2 name
  shift 2
  for name in "$@"; do [[ -z ${failed[$name]:-} ]] || { echo n/a; return; }; done
  awk -v a="$a" -v b="$b" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'
}

results=$work/results.md
{
  echo "# Sluice benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, master ${SLUICE_MASTER:-local[*]}," \
    "driver memory ${SLUICE_DRIVER_MEMORY:-4g}, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)," \
    "median of $repeat run(s) per case"
  echo
  echo "Each shape: $events events. Batch: $batch events, $batch_records records, 365 days ($batch_input)."
  echo
  echo "| case | wall s | records | records/s | input MB | MB/s | peak RSS MB | files | median file KB" \
    "| partitions | files/partition |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for shape in "${shape_list[@]}"; do
    row "baseline-$shape" "$shape: plain Spark baseline (Parquet)" "${records_of[$shape]}" "${bytes_of[$shape]}"
    [[ -z ${wall[duckdb-$shape]:-} ]] \
      || row "duckdb-$shape" "$shape: DuckDB $duckdb_version, the same job" "${records_of[$shape]}" "${bytes_of[$shape]}"
    row "run-$shape" "$shape: sluice run (parse + distribute)" "${records_of[$shape]}" "${bytes_of[$shape]}"
    row "spark-json-$shape" "$shape: Spark JSON reader, schema given, to Parquet" "${records_of[$shape]}" \
      "${bytes_of[$shape]}"
    row "parse-$shape" "$shape: sluice parse" "${records_of[$shape]}" "${bytes_of[$shape]}"
  done
  row distribute-empty "sluice distribute, batch into an empty table" "$batch_records" "$batch_bytes"
  [[ -z ${wall[distribute-days365]:-} ]] \
    || row distribute-days365 "sluice distribute, batch into the days365 table" "$batch_records" "$batch_bytes"
  [[ -z ${wall[distribute-big]:-} ]] \
    || row distribute-big "sluice distribute, batch into the $big_table-event table" "$batch_records" "$batch_bytes"
  [[ -z ${wall[distribute-days365-resend]:-} ]] \
    || row distribute-days365-resend "sluice distribute, batch + $resends re-sends of its events into the days365 table" \
      "$(( batch_records + resends ))" "$batch_bytes"
  [[ -z ${wall[distribute-big-resend]:-} ]] \
    || row distribute-big-resend "sluice distribute, batch + $resends re-sends of its events into the $big_table-event table" \
      "$(( batch_records + resends ))" "$batch_bytes"
  declare -A table_label=([days365]=days365 [big]="$big_table-event")
  for table in days365 big; do
    [[ -z ${wall[distribute-empty-resend-$table]:-} ]] || row "distribute-empty-resend-$table" \
      "sluice distribute, batch + the $resends re-sends of the ${table_label[$table]} table into an empty table" \
      "$(( batch_records + resends ))" "$batch_bytes"
  done
  echo
  echo "sluice run / plain Spark baseline, wall time (lower is better; the worst shape is the highest):"
  echo
  for shape in "${shape_list[@]}"; do
    echo "- $shape: $(ratio "${wall[run-$shape]}" "${wall[baseline-$shape]}" "run-$shape" "baseline-$shape")"
  done
  echo
  echo "sluice run / DuckDB's job, wall time:"
  echo
  for shape in "${shape_list[@]}"; do
    if [[ -n ${wall[duckdb-$shape]:-} ]]; then
      echo "- $shape: $(ratio "${wall[run-$shape]}" "${wall[duckdb-$shape]}" "run-$shape" "duckdb-$shape")"
    else
      echo "- $shape: not measured (DuckDB's driver could not be fetched)"
    fi
  done
  echo
  echo "sluice parse / Spark's JSON reader to Parquet, wall time:"
  echo
  for shape in "${shape_list[@]}"; do
    echo "- $shape: $(ratio "${wall[parse-$shape]}" "${wall[spark-json-$shape]}" "parse-$shape" "spark-json-$shape")"
  done
  echo
  if [[ -n ${wall[parse-bigfile]:-} && -n ${wall[parse-days365]:-} ]]; then
    echo "sluice parse of one file / the same events in 16 files (days365), wall time:" \
      "$(ratio "${wall[parse-bigfile]}" "${wall[parse-days365]}" parse-bigfile parse-days365)"
    echo
  fi
  echo "Incremental, distribute of the batch / of the batch alone into an empty table, wall time; with re-sends, also" \
    "/ of the same batch and re-sends into an empty table:"
  echo
  for name in "${incremental[@]:1}"; do
    [[ $name != distribute-empty-* ]] || continue
    line="- $name: $(ratio "${wall[$name]}" "${wall[distribute-empty]}" "$name" distribute-empty)"
    empty=${empty_of[$name]:-}
    [[ -z $empty ]] || line+="; $(ratio "${wall[$name]}" "${wall[$empty]}" "$name" "$empty") to the same input"
    echo "$line"
  done
  echo
  echo "Wall time includes JVM and Spark start-up. Files: data files under the output, leaving out _delta_log," \
    "_sluice and hidden files; for a batch into an existing table, only files written by that distribute" \
    "(files it replaced stay on disk until VACUUM). Records/s and MB/s are of the generated input records" \
    "and bytes, bad and duplicate records included. Logs and file listings: $logs."
} > "$results"

echo
cat "$results"
failures="${!failed[*]}"
[[ -z $failures ]] || fail "failed cases: $failures (see $logs)"
