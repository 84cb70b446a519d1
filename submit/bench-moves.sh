#!/usr/bin/env bash
# Times the per-file storage work of one parse batch on S3: N small files in landing/pending/ are looked up and moved
# to processed/ one after the other (--move-concurrency 1), then C at a time (the default), on a real S3 server
# (S3Proxy) on 127.0.0.1, and the ratio is reported. Usually run as submit/bench.sh --moves N.
#   submit/bench-moves.sh [--files N] [--concurrency C] [--latency MS] [--backend B] [--repeat R] [--work DIR]
#     --files N        small files in the batch (default 10000)
#     --concurrency C  the concurrent case (default 16, parse.moveConcurrency's default)
#     --latency MS     extra milliseconds S3Proxy waits in every storage operation, to stand for the round trip to
#                      a real S3 endpoint (default 0: loopback only, where both ends share this machine's cores)
#     --backend B      S3Proxy's store: transient-nio2 (in memory, the default) or filesystem-nio2 (files on
#                      this machine's disk under <work>/s3proxy)
#     --repeat R       runs of each case; the median is reported (default 1)
#     --work DIR       scratch directory (default target/bench)
# S3Proxy comes from target/s3proxy/s3proxy.jar (fetched by mvn test) or the local Maven repository; it is stopped
# when this script ends.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

files=10000
concurrency=16
latency=0
backend=transient-nio2
repeat=1
work=target/bench

usage() { sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
fail() { echo "bench-moves: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --files) [[ $# -ge 2 ]] || fail "--files needs a value"; files=$2; shift 2 ;;
    --concurrency) [[ $# -ge 2 ]] || fail "--concurrency needs a value"; concurrency=$2; shift 2 ;;
    --latency) [[ $# -ge 2 ]] || fail "--latency needs a value"; latency=$2; shift 2 ;;
    --backend) [[ $# -ge 2 ]] || fail "--backend needs a value"; backend=$2; shift 2 ;;
    --repeat) [[ $# -ge 2 ]] || fail "--repeat needs a value"; repeat=$2; shift 2 ;;
    --work) [[ $# -ge 2 ]] || fail "--work needs a value"; work=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; fail "unknown argument: $1" ;;
  esac
done
for n in files concurrency repeat; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || fail "--$n must be a positive integer, got '${!n}'"
done
[[ $latency =~ ^[0-9]+$ ]] || fail "--latency must be a number of milliseconds, got '$latency'"
case $backend in transient-nio2|filesystem-nio2) ;; *) fail "--backend is transient-nio2 or filesystem-nio2, got '$backend'" ;; esac

version=$(sed -n 's:.*<s3proxy.version>\(.*\)</s3proxy.version>.*:\1:p' pom.xml)
jar=target/s3proxy/s3proxy.jar
[[ -f $jar ]] || jar=$HOME/.m2/repository/org/gaul/s3proxy/$version/s3proxy-$version-jar-with-dependencies.jar
[[ -f $jar ]] || fail "S3Proxy $version is neither at target/s3proxy/s3proxy.jar nor in ~/.m2; run mvn test once"

mkdir -p "$work"
work="$(cd "$work" && pwd)"
logs=$work/logs
proxy=$work/s3proxy
mkdir -p "$logs"
rm -rf "$proxy"
mkdir -p "$proxy/data"

echo "== build (when sources changed)"
submit/local.sh --version

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint=http://127.0.0.1:$port
# Test-only credentials of a server that listens on loopback and lives as long as this script.
export AWS_ACCESS_KEY_ID=sluice-bench-access AWS_SECRET_ACCESS_KEY=sluice-bench-secret
{
  echo "s3proxy.endpoint=$endpoint"
  echo "s3proxy.authorization=aws-v2-or-v4"
  echo "s3proxy.identity=$AWS_ACCESS_KEY_ID"
  echo "s3proxy.credential=$AWS_SECRET_ACCESS_KEY"
  echo "jclouds.provider=$backend"
  echo "jclouds.identity=$AWS_ACCESS_KEY_ID"
  echo "jclouds.credential=$AWS_SECRET_ACCESS_KEY"
  echo "jclouds.filesystem.basedir=$proxy/data"
  if (( latency > 0 )); then echo "s3proxy.latency-blobstore.*.latency=$latency"; fi
} > "$proxy/s3proxy.properties"
echo "== S3Proxy on $endpoint ($backend, $latency ms added per operation)"
java -Xmx1g -jar "$jar" --properties "$proxy/s3proxy.properties" > "$logs/s3proxy.log" 2>&1 &
proxy_pid=$!
trap 'kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true' EXIT
for (( i = 0; i < 120; i++ )); do
  grep -q "127.0.0.1:$port}" "$logs/s3proxy.log" 2>/dev/null && break
  kill -0 "$proxy_pid" 2>/dev/null || { cat "$logs/s3proxy.log" >&2; fail "S3Proxy stopped"; }
  sleep 0.5
done
grep -q "127.0.0.1:$port}" "$logs/s3proxy.log" || { cat "$logs/s3proxy.log" >&2; fail "S3Proxy did not start"; }

# run C I: one measured batch with concurrency C; prints the figures line.
run() {
  local c=$1 i=$2 log=$logs/moves-c$1-$2.log
  SLUICE_MAIN=io.sluice.bench.MoveLandingFiles submit/local.sh "s3a://bench/landing-c$c-$i" "$files" "$c" \
    "$endpoint" > "$log" 2>&1 || { tail -25 "$log" >&2; fail "the run with concurrency $c failed; see $log"; }
  grep '^moves ' "$log"
}

# field LINE KEY: the number after KEY= in a figures line.
field() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<< "$1"; }

# median VALUES...: the middle value.
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A move locate list
for c in 1 "$concurrency"; do
  moves=() locates=() lists=()
  for (( i = 1; i <= repeat; i++ )); do
    echo "== $files files, concurrency $c, run $i"
    line=$(run "$c" "$i")
    echo "   $line"
    moves+=("$(field "$line" moveMillis)") locates+=("$(field "$line" locateMillis)")
    lists+=("$(field "$line" listMillis)")
  done
  move[$c]=$(median "${moves[@]}") locate[$c]=$(median "${locates[@]}") list[$c]=$(median "${lists[@]}")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.1f", a / b }'; }
load=$(cut -d' ' -f1-3 /proc/loadavg)
results=$work/results-moves.md
{
  echo "# Moves of one parse batch on S3Proxy"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average before the runs $load_before, after $load," \
    "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), S3Proxy $version ($backend) on" \
    "loopback, $latency ms added per storage operation, median of $repeat run(s)"
  echo
  echo "| case | listing ms (one paged pass) | look-ups ms | moves ms | moves/s |"
  echo "|---|---:|---:|---:|---:|"
  for c in 1 "$concurrency"; do
    awk -v c="$c" -v n="$files" -v l="${list[$c]}" -v f="${locate[$c]}" -v m="${move[$c]}" 'BEGIN {
      printf "| %d files, --move-concurrency %d | %d | %d | %d | %.0f |\n", n, c, l, f, m, n * 1000 / (m > 0 ? m : 1) }'
  done
  echo
  echo "Moves, one after the other / $concurrency at a time: $(ratio "${move[1]}" "${move[$concurrency]}")x;" \
    "look-ups: $(ratio "${locate[1]}" "${locate[$concurrency]}")x."
} > "$results"
echo
cat "$results"
