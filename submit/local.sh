#!/usr/bin/env bash
# Runs any sluice command on this machine: builds the jar when sources changed, then runs it with Spark on
# the classpath, local[*], and the JDK 17 flags Spark needs.
#   submit/local.sh <command> [options]      e.g. submit/local.sh run --report lake/report.json
#   submit/local.sh demo                     copies sample-data/events into lake/landing/pending and runs
# SLUICE_MAIN=<class> runs another main class of the jar with the same JVM (submit/bench.sh's baseline).
# SLUICE_CDS=0 runs without the class-data archive (below; so does a JVM with a Java agent or Flight Recorder).
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

jvm=(java "${opens[@]}" -Xmx"${SLUICE_DRIVER_MEMORY:-4g}" -Dlog4j2.configurationFile="$root/conf/log4j2.properties"
  -Dspark.master="${SLUICE_MASTER:-local[*]}" -cp "$jar:$(cat "$classpath")")

# Transparent huge pages for the heap, where the kernel gives them on request (`madvise`; with `always` it does
# anyway). A Spark job allocates fast (reading Parquet, gigabytes a second) and the JVM grows its heap as it goes,
# so a short command spends seconds in the kernel mapping 4 KB pages it touches for the first time: a JVM that
# scanned a 20M-row key index three times took 1.1 million page faults, 80,000 with 2 MB pages, its first scan
# 8.2-10.6 s against 6.0-7.7 s. Options in JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS that name UseTransparentHugePages or
# UseLargePages decide instead (they come before this command line, which would override them).
thp=/sys/kernel/mm/transparent_hugepage/enabled
if [[ -r $thp && $(<"$thp") =~ \[(madvise|always)\] \
    && ! " ${JAVA_TOOL_OPTIONS:-} ${JDK_JAVA_OPTIONS:-}" =~ Use(TransparentHuge|Large)Pages ]]; then
  jvm+=(-XX:+UseTransparentHugePages)
fi

# Class-data sharing (JDK 17's dynamic AppCDS archive). Every command starts a JVM that loads, parses and verifies
# the same ~15,000 classes of Spark, Delta, Hadoop, Parquet and Sluice. Once per build, a training run (the bundled
# sample through `run`, into a scratch lake under target/) records them in target/sluice.jsa; every later JVM of
# this jar and classpath maps them from it: the first Spark job of a `run` 1.5-2 s sooner on a 2-core machine. A JVM
# that cannot use the archive (another JDK, a rebuilt jar) ignores it and loads the classes as before; -Xlog keeps
# the JVM's notes about the archive off the command's output. A JVM that hooks class loading — a Java agent, or Flight
# Recorder — in JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS runs without it: JDK 17 crashes (SIGSEGV in
# KlassFactory::check_shared_class_file_load_hook) loading a dynamic archive's classes through such a hook.
cds=target/sluice.jsa
cds_quiet=(-Xlog:cds=off -Xlog:cds+dynamic=off)
recorded_for_this_build() { [[ -f $1 && ! $jar -nt $1 && ! $classpath -nt $1 ]]; }
hooks=' -(javaagent:|agentlib:|agentpath:|XX:StartFlightRecording|XX:\+FlightRecorder)'
if [[ ${SLUICE_CDS:-1} != 0 && " ${JAVA_TOOL_OPTIONS:-} ${JDK_JAVA_OPTIONS:-}" =~ $hooks ]]; then
  echo "running without $cds: a Java agent or Flight Recorder in JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS hooks class" \
    "loading, which this archive does not support" >&2
  SLUICE_CDS=0
fi
if [[ ${SLUICE_CDS:-1} != 0 ]]; then
  failed=target/sluice.jsa.failed   # a training run that failed is not repeated for the same build
  if ! recorded_for_this_build "$cds" && ! recorded_for_this_build "$failed"; then
    echo "recording the classes a run loads into $cds (once per build; SLUICE_CDS=0 skips it) ..." >&2
    training="$(mktemp -d "$root/target/cds-training.XXXXXX")"
    mkdir -p "$training/landing/pending"
    cp sample-data/events/* "$training/landing/pending/"
    if "${jvm[@]}" "${cds_quiet[@]}" -XX:ArchiveClassesAtExit="$training/sluice.jsa" io.sluice.cli.Sluice run \
        --landing "$training/landing" --stage "$training/stage" --trusted "$training/trusted" \
        --quarantine "$training/quarantine" > "$training/run.log" 2>&1 && [[ -s $training/sluice.jsa ]]; then
      mv -f "$training/sluice.jsa" "$cds"
      rm -rf "$training"
    else
      echo "could not record $cds (the training run's output: $training/run.log); running without it" >&2
      echo "$training/run.log" > "$failed"
    fi
  fi
  if recorded_for_this_build "$cds"; then
    jvm+=(-XX:SharedArchiveFile="$cds" "${cds_quiet[@]}")
  fi
fi

exec "${jvm[@]}" "${SLUICE_MAIN:-io.sluice.cli.Sluice}" "$@"
