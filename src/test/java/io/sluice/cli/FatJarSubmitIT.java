package io.sluice.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the shaded jar exactly as a cluster does, through Spark's own SparkSubmit with only what spark-submit
 * provides on the classpath: a broken shade or a class clash fails here, not on a user's cluster. Also kills
 * the process for real in the middle of a run and checks the rerun.
 */
class FatJarSubmitIT {
    private static String jar;
    private static String sparkClasspath;
    private static List<String> jvmFlags;

    @TempDir
    Path lake;

    @BeforeAll
    static void locate() throws IOException {
        jar = System.getProperty("sluice.jar");
        sparkClasspath = Files.readString(Path.of(System.getProperty("sluice.sparkClasspath"))).strip();
        jvmFlags = List.of(System.getProperty("sluice.jvmFlags").trim().split("\\s+"));
    }

    private record Outcome(int code, String out) {
    }

    private Outcome submit(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.addAll(List.of("-Xmx1g", "-cp", sparkClasspath, "org.apache.spark.deploy.SparkSubmit",
                "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--class", "io.sluice.cli.Sluice", jar));
        command.addAll(List.of(args));
        command.addAll(List.of("--landing", lake.resolve("landing").toString(), "--stage", lake.resolve("stage").toString(),
                "--trusted", lake.resolve("trusted").toString(), "--quarantine", lake.resolve("quarantine").toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "spark-submit timed out");
        return new Outcome(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private void deliverSamples() throws IOException {
        Path pending = Files.createDirectories(lake.resolve("landing/pending"));
        try (Stream<Path> files = Files.list(Path.of("sample-data/events"))) {
            for (Path file : files.toList()) {
                Files.copy(file, pending.resolve(file.getFileName()));
            }
        }
    }

    @Test
    void theShadedJarRunsUnderSparkSubmitAndSurvivesAKill() throws Exception {
        Outcome version = submit(Map.of(), "--version");
        assertEquals(0, version.code(), version.out());
        assertTrue(version.out().contains("sluice 0.1.0 (Spark 3.5.7)"), version.out());

        deliverSamples();
        Outcome killed = submit(Map.of("SLUICE_FAIL_AT", "parse.firstMoved"), "run");
        assertEquals(137, killed.code(), killed.out());
        assertTrue(killed.out().contains("SLUICE_FAIL_AT: halting at parse.firstMoved"), killed.out());

        Outcome rerun = submit(Map.of(), "run", "--config", "conf/local.yaml");
        assertEquals(0, rerun.code(), rerun.out());
        assertTrue(rerun.out().contains("resuming batch"), rerun.out());
        assertTrue(rerun.out().contains("inserted=30"), rerun.out());
        assertTrue(rerun.out().contains("run succeeded"), rerun.out());

        // The next hour, in a new driver: its key index append stays one small file more. Delta's auto compaction,
        // which remembers what it compacted in the driver's memory only, rewrote every small file of the index here.
        Files.writeString(lake.resolve("landing/pending/next-hour.json"), "{\"event_id\":\"next-1\",\"timestamp\":"
                + "\"2024-03-01T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"v\":1}}\n");
        Outcome nextHour = submit(Map.of(), "run", "--config", "conf/local.yaml");
        assertEquals(0, nextHour.code(), nextHour.out());
        assertTrue(nextHour.out().contains("inserted=1"), nextHour.out());
        assertTrue(nextHour.out().contains("key index: added the written rows"), nextHour.out());
        try (Stream<Path> commits = Files.list(lake.resolve("trusted/_sluice/events/key-index/_delta_log"))) {
            for (Path commit : commits.filter(f -> f.toString().endsWith(".json")).toList()) {
                assertFalse(Files.readString(commit).contains("\"operation\":\"OPTIMIZE\""),
                        commit + " compacted the index");
            }
        }

        Outcome bad = submit(Map.of(), "run", "--dataset", "nope");
        assertEquals(2, bad.code(), bad.out());
        assertTrue(bad.out().contains("error: dataset 'nope' is not defined in the config"), bad.out());
    }
}
