#!/usr/bin/env bash
# Benchmarks Sluice against the job one would write by hand in plain Spark, on generated events.
#   submit/bench.sh [--events N] [--batch N] [--work DIR] [--shape full|parse]
#     --events N   events in the main input (default 2000000)
#     --batch N    events in the incremental batch (default 100000)
#     --work DIR   scratch directory, replaced piece by piece (default target/bench)
#     --shape S    full (default): the cases below; parse: only parse against Spark's own JSON reader
# Measures, each in its own JVM started by submit/local.sh:
#   1. plain Spark baseline: infer JSON, latest per event_id by row_number, Parquet partitioned like trusted
#   2. sluice run (parse + distribute) of the same input into an empty lake
#   3. sluice distribute of a further batch into the table of 2, and of the same batch into an empty table
# and prints wall time, records/s, input MB/s, peak RSS and the files written; also to <work>/results.md.
# With --shape parse: Spark's JSON reader with the events schema given (no inference) writing the input to
# Parquet, then sluice parse of the same files into an empty lake; the ratio goes to <work>/results-parse.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

events=2000000
batch=100000
work=target/bench
shape=full

usage() { sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
fail() { echo "bench: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --events) [[ $# -ge 2 ]] || fail "--events needs a value"; events=$2; shift 2 ;;
    --batch) [[ $# -ge 2 ]] || fail "--batch needs a value"; batch=$2; shift 2 ;;
    --work) [[ $# -ge 2 ]] || fail "--work needs a value"; work=$2; shift 2 ;;
    --shape) [[ $# -ge 2 ]] || fail "--shape needs a value"; shape=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; fail "unknown argument: $1" ;;
  esac
done
[[ $events =~ ^[1-9][0-9]*$ ]] || fail "--events must be a positive integer, got '$events'"
[[ $batch =~ ^[1-9][0-9]*$ ]] || fail "--batch must be a positive integer, got '$batch'"
[[ $shape == full || $shape == parse ]] || fail "--shape must be full or parse, got '$shape'"
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

echo "== build (when sources changed)"
submit/local.sh --version

# generate DIR EVENTS SEED: writes DIR once per (events, seed); keeps its summary in DIR.summary.
generate() {
  local dir=$1 n=$2 seed=$3
  local key="events=$n seed=$seed"
  if [[ -f $dir.summary && "$(head -1 "$dir.summary")" == "$key" ]]; then
    echo "== reusing $dir ($key)"
  else
    echo "== generate $key into $dir"
    rm -rf "$dir" "$dir.summary"
    submit/local.sh generate --events "$n" --seed "$seed" --out "$dir" > "$logs/generate-$seed.log" \
      || { cat "$logs/generate-$seed.log" >&2; fail "generate failed"; }
    { echo "$key"; cat "$logs/generate-$seed.log"; } > "$dir.summary"
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

input=$work/input
generate "$input" "$events" 42
records=$(summary_value "$input" records)
bytes=$(summary_value "$input" bytes)

if [[ $shape == parse ]]; then
  rm -rf "$work/spark-json"
  measure spark-json env SLUICE_MAIN=io.sluice.bench.SparkJsonToParquet submit/local.sh "$input" "$work/spark-json"
  output_files spark-json "$work/spark-json"
  parse_lake=$work/lake-parse
  fresh_lake "$parse_lake" "$input"
  mkdir -p "$work/reports"
  # shellcheck disable=SC2046
  measure parse submit/local.sh parse $(lake_options "$parse_lake") --report "$work/reports/parse.json"
  output_files parse "$parse_lake/stage"
  results=$work/results-parse.md
  {
    echo "# Sluice parse against Spark's own JSON reader"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, master ${SLUICE_MASTER:-local[*]}," \
      "driver memory ${SLUICE_DRIVER_MEMORY:-4g}, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    echo "Input: $events events, $records records, $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB" \
      "of JSON lines in $(find "$input" -type f | wc -l) files ($input)."
    echo
    echo "| case | wall s | records | records/s | input MB | MB/s | peak RSS MB | files | median file KB" \
      "| partitions | files/partition |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    wall_row() {
      awk -v label="$2" -v w="${wall[$1]}" -v n="$records" -v b="$bytes" -v rss="${rss[$1]}" -v f="${files[$1]}" \
        -v med="${median[$1]}" -v p="${partitions[$1]}" -v fpp="${per_partition[$1]}" 'BEGIN {
          printf "| %s | %.1f | %d | %.0f | %.1f | %.2f | %d | %s | %s | %s | %s |\n",
            label, w, n, n / w, b / 1e6, b / 1e6 / w, rss, f, med, p, fpp }'
    }
    wall_row spark-json "Spark JSON reader, explicit schema, to Parquet"
    wall_row parse "sluice parse (stage Delta + quarantine + ledger + moves)"
    echo
    echo "- sluice parse / Spark JSON reader, wall time:" \
      "$(awk -v a="${wall[parse]}" -v b="${wall[spark-json]}" 'BEGIN { printf "%.2f", a / b }')"
    echo "- sluice parse / Spark JSON reader, peak RSS:" \
      "$(awk -v a="${rss[parse]}" -v b="${rss[spark-json]}" 'BEGIN { printf "%.2f", a / b }')"
    echo
    echo "Wall time includes JVM and Spark start-up (about 2 s each). Logs: $logs."
  } > "$results"
  echo
  cat "$results"
  exit 0
fi
batch_input=$work/batch
generate "$batch_input" "$batch" 4242
batch_records=$(summary_value "$batch_input" records)
batch_bytes=$(summary_value "$batch_input" bytes)

# 1. The plain Spark baseline.
rm -rf "$work/baseline"
measure baseline env SLUICE_MAIN=io.sluice.bench.PlainSparkBaseline submit/local.sh "$input" "$work/baseline"
output_files baseline "$work/baseline"

# 2. sluice run into an empty lake.
full=$work/lake-full
fresh_lake "$full" "$input"
mkdir -p "$work/reports"
# shellcheck disable=SC2046
measure run submit/local.sh run $(lake_options "$full") --report "$work/reports/run.json"
output_files run "$full/trusted"

# 3. The batch: parsed into both lakes, then distributed into the table of 2 and into an empty one.
mkdir -p "$full/landing/pending"
cp "$batch_input"/* "$full/landing/pending/"
# shellcheck disable=SC2046
measure parse-batch submit/local.sh parse $(lake_options "$full") --report "$work/reports/parse-batch.json"
marker=$work/distribute.marker
touch "$marker"
sleep 1
# shellcheck disable=SC2046
MAY_FAIL=1 measure distribute-existing submit/local.sh distribute $(lake_options "$full") \
  --report "$work/reports/distribute-existing.json"
output_files distribute-existing "$full/trusted" "$marker"

empty=$work/lake-empty
fresh_lake "$empty" "$batch_input"
# shellcheck disable=SC2046
submit/local.sh parse $(lake_options "$empty") > "$logs/parse-empty.log" 2>&1 \
  || { tail -25 "$logs/parse-empty.log" >&2; fail "parse into the empty lake failed"; }
# shellcheck disable=SC2046
MAY_FAIL=1 measure distribute-empty submit/local.sh distribute $(lake_options "$empty") \
  --report "$work/reports/distribute-empty.json"
output_files distribute-empty "$empty/trusted"

# row NAME LABEL RECORDS BYTES: one line of the markdown table.
row() {
  local name=$1 label=$2 n=$3 b=$4 w=${wall[$1]}
  if [[ -n ${failed[$name]:-} ]]; then
    echo "| $label | FAILED after $w s, see $logs/$name.log | | | | | | | | | |"
    return
  fi
  awk -v label="$label" -v w="$w" -v n="$n" -v b="$b" -v rss="${rss[$name]}" -v f="${files[$name]:-}" \
    -v med="${median[$name]:-}" -v p="${partitions[$name]:-}" -v fpp="${per_partition[$name]:-}" 'BEGIN {
      printf "| %s | %.1f | %d | %.0f | %.1f | %.2f | %d | %s | %s | %s | %s |\n",
        label, w, n, n / w, b / 1e6, b / 1e6 / w, rss, f, med, p, fpp }'
}
ratio() {
  [[ -z ${failed[distribute-existing]:-}${failed[distribute-empty]:-} || ${3:-} != incremental ]] || { echo n/a; return; }
  awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'
}

results=$work/results.md
{
  echo "# Sluice benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, master ${SLUICE_MASTER:-local[*]}," \
    "driver memory ${SLUICE_DRIVER_MEMORY:-4g}, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "Input: $events events, $records records, $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB" \
    "($input). Batch: $batch events, $batch_records records ($batch_input)."
  echo
  echo "| case | wall s | records | records/s | input MB | MB/s | peak RSS MB | files | median file KB" \
    "| partitions | files/partition |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  row baseline "plain Spark baseline (Parquet)" "$records" "$bytes"
  row run "sluice run (parse + distribute)" "$records" "$bytes"
  row parse-batch "sluice parse, batch" "$batch_records" "$batch_bytes"
  row distribute-existing "sluice distribute, batch into the table above" "$batch_records" "$batch_bytes"
  row distribute-empty "sluice distribute, batch into an empty table" "$batch_records" "$batch_bytes"
  echo
  echo "- sluice run / baseline, wall time: $(ratio "${wall[run]}" "${wall[baseline]}")"
  echo "- sluice run / baseline, peak RSS: $(ratio "${rss[run]}" "${rss[baseline]}")"
  echo "- sluice run / baseline, files written: $(ratio "${files[run]}" "${files[baseline]}")"
  echo "- incremental: distribute into the existing table / into an empty table, wall time:" \
    "$(ratio "${wall[distribute-existing]}" "${wall[distribute-empty]}" incremental)"
  echo
  echo "Wall time includes JVM and Spark start-up. Files: data files under the output, leaving out _delta_log," \
    "_sluice and hidden files; for the batch into the existing table, only files written by that distribute" \
    "(files it replaced stay on disk until VACUUM). Records/s and MB/s are of the generated input records" \
    "and bytes, bad and duplicate records included. Logs and file listings: $logs."
} > "$results"

echo
cat "$results"
