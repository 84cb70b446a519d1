package io.sluice.cli;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * submit/local.sh, the runner of the README's first command, on the jar this build packaged: once per build it
 * records the classes a run loads in a class-data archive, and later JVMs load them from it; a training run that
 * fails is reported, not repeated, and the command runs without the archive; so does a JVM with a Java agent or
 * Flight Recorder, which the archive would crash. The heap takes transparent huge pages where the kernel offers them.
 */
class LocalRunnerIT {
    private static final Path ARCHIVE = Path.of("target/sluice.jsa");
    private static final Path FAILED = Path.of("target/sluice.jsa.failed");
    private static final String FROM_ARCHIVE = " source: shared objects file (top)";

    private record Outcome(int code, String out) {
    }

    private static Outcome localSh(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "submit/local.sh"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().remove("SLUICE_CDS");
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "submit/local.sh timed out");
        return new Outcome(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** Every class the JVM loads, with where it came from. */
    private static final Map<String, String> CLASS_LOADING = Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info");

    @Test
    void recordsTheClassArchiveOncePerBuildAndLaterJvmsLoadSparkAndSluiceFromIt() throws Exception {
        Files.deleteIfExists(ARCHIVE);
        Files.deleteIfExists(FAILED);

        // A training run that cannot start (a heap too small for any JVM): reported once, then not tried again.
        Outcome broken = localSh(Map.of("SLUICE_DRIVER_MEMORY", "1m"), "--version");
        assertNotEquals(0, broken.code(), broken.out());
        assertTrue(broken.out().contains("could not record target/sluice.jsa (the training run's output: "),
                broken.out());
        assertFalse(Files.exists(ARCHIVE));
        Path log = Path.of(Files.readString(FAILED).strip());
        assertTrue(Files.readString(log).contains("Too small maximum heap"), Files.readString(log));
        Outcome withoutArchive = localSh(CLASS_LOADING, "--version");
        assertEquals(0, withoutArchive.code(), withoutArchive.out());
        assertFalse(withoutArchive.out().contains("recording the classes"), withoutArchive.out());
        assertTrue(withoutArchive.out().contains("sluice 0.1.0 (Spark 3.5.7)"), withoutArchive.out());
        assertFalse(withoutArchive.out().contains(FROM_ARCHIVE), withoutArchive.out());
        Files.delete(FAILED);
        deleteTree(log.getParent());

        // The first command after the build records the archive from a run of the bundled sample ...
        Outcome first = localSh(Map.of(), "--version");
        assertEquals(0, first.code(), first.out());
        assertTrue(first.out().contains("recording the classes a run loads into target/sluice.jsa"), first.out());
        assertTrue(first.out().contains("sluice 0.1.0 (Spark 3.5.7)"), first.out());
        assertTrue(Files.size(ARCHIVE) > 0);
        assertTrue(Files.getLastModifiedTime(ARCHIVE).compareTo(
                Files.getLastModifiedTime(Path.of(System.getProperty("sluice.jar")))) > 0);
        try (var left = Files.list(Path.of("target"))) {
            assertFalse(left.anyMatch(path -> path.getFileName().toString().startsWith("cds-training")),
                    "the training's scratch lake is removed");
        }

        // ... and the next JVMs map Sluice's and Spark's classes from it, with nothing about it on their output.
        Outcome later = localSh(CLASS_LOADING, "--version");
        assertEquals(0, later.code(), later.out());
        assertFalse(later.out().contains("recording the classes"), later.out());
        assertTrue(later.out().contains("io.sluice.cli.Sluice" + FROM_ARCHIVE), later.out());
        assertTrue(later.out().contains("org.apache.spark.sql.SparkSession" + FROM_ARCHIVE), later.out());
        assertFalse(later.out().contains("[cds"), later.out());
        Outcome plain = localSh(Map.of(), "--version");
        assertEquals("sluice 0.1.0 (Spark 3.5.7)", plain.out().strip());

        // SLUICE_CDS=0: the classes come from the jars.
        Outcome off = localSh(Map.of("SLUICE_CDS", "0", "JAVA_TOOL_OPTIONS", "-Xlog:class+load=info"), "--version");
        assertEquals(0, off.code(), off.out());
        assertFalse(off.out().contains(FROM_ARCHIVE), off.out());
        assertTrue(off.out().contains("io.sluice.cli.Sluice source: file:"), off.out());
    }

    @Test
    void aRunWithFlightRecorderOrAJavaAgentDoesNotUseTheArchive(@TempDir Path lake) throws Exception {
        assertEquals(0, localSh(Map.of(), "--version").code(), "the archive is recorded for this build");
        assertTrue(Files.size(ARCHIVE) > 0);
        Path pending = Files.createDirectories(lake.resolve("landing/pending"));
        try (var samples = Files.list(Path.of("sample-data/events"))) {
            for (Path sample : samples.toList()) {
                Files.copy(sample, pending.resolve(sample.getFileName()));
            }
        }
        Path recording = lake.resolve("run.jfr");
        // With the archive, this JVM crashed during the run (SIGSEGV, exit 134).
        Outcome profiled = localSh(Map.of("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=filename=" + recording),
                "run", "--landing", lake.resolve("landing").toString(), "--stage", lake.resolve("stage").toString(),
                "--trusted", lake.resolve("trusted").toString(), "--quarantine", lake.resolve("quarantine").toString());
        assertEquals(0, profiled.code(), profiled.out());
        assertTrue(profiled.out().contains("running without target/sluice.jsa: a Java agent or Flight Recorder"),
                profiled.out());
        assertTrue(profiled.out().contains("run succeeded"), profiled.out());
        assertTrue(Files.size(recording) > 0, "the recording is written");

        // A debugger's agent, given to the java launcher.
        Outcome agent = localSh(Map.of("JDK_JAVA_OPTIONS", "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,"
                + "address=127.0.0.1:0 -Xlog:class+load=info"), "--version");
        assertEquals(0, agent.code(), agent.out());
        assertTrue(agent.out().contains("Listening for transport dt_socket"), agent.out());
        assertTrue(agent.out().contains("running without target/sluice.jsa"), agent.out());
        assertFalse(agent.out().contains(FROM_ARCHIVE), agent.out());
    }

    @Test
    void theHeapTakesTransparentHugePagesWhereTheKernelGivesThemOnRequest() throws Exception {
        Path setting = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        String kernel = Files.isReadable(setting) ? Files.readString(setting).strip() : "no " + setting;
        boolean offered = Pattern.compile("\\[(madvise|always)]").matcher(kernel).find();
        Outcome flags = localSh(Map.of("JAVA_TOOL_OPTIONS", "-XX:+PrintFlagsFinal"), "--version");
        assertEquals(0, flags.code(), flags.out());
        assertEquals(String.valueOf(offered), hugePages(flags.out()), "kernel: " + kernel);

        // The user's own choice stands.
        Outcome off = localSh(Map.of("JAVA_TOOL_OPTIONS", "-XX:+PrintFlagsFinal -XX:-UseTransparentHugePages"),
                "--version");
        assertEquals(0, off.code(), off.out());
        assertEquals("false", hugePages(off.out()));
    }

    /** The value of UseTransparentHugePages in the JVM's -XX:+PrintFlagsFinal table. */
    private static String hugePages(String out) {
        Matcher flag = Pattern.compile("bool UseTransparentHugePages\\s+= (\\w+)").matcher(out);
        assertTrue(flag.find(), out);
        return flag.group(1);
    }
}
