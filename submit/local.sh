#!/usr/bin/env bash
# Runs any sluice command on this machine: builds the jar when sources changed, then runs it with Spark on
# the classpath, local[*], and the JDK 17 flags Spark needs.
#   submit/local.sh <command> [options]      e.g. submit/local.sh run --report lake/report.json
#   submit/local.sh demo                     copies sample-data/events into lake/landing/pending and runs
# SLUICE_MAIN=<class> runs another main class of the jar with the same JVM (submit/bench.sh's baseline).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

jar=target/sluice.jar
classpath=target/spark-classpath.txt
if [[ ! -f $jar || ! -f $classpath || -n "$(find src pom.xml -newer "$jar" -print -quit)" ]]; then
  echo "building $jar ..." >&2
  mvn -q -B -DskipTests package >&2
fi

if [[ ${1:-} == demo ]]; then
  shift
  mkdir -p lake/landing/pending
  cp sample-data/events/* lake/landing/pending/
  set -- run "$@"
fi

opens=(-XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false)

exec java "${opens[@]}" -Xmx"${SLUICE_DRIVER_MEMORY:-4g}" \
  -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -Dspark.master="${SLUICE_MASTER:-local[*]}" \
  -cp "$jar:$(cat "$classpath")" "${SLUICE_MAIN:-io.sluice.cli.Sluice}" "$@"
