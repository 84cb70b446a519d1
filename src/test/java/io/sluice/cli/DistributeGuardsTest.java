package io.sluice.cli;

import io.sluice.SparkTestSession;
import io.sluice.lake.Checkpoints;
import org.apache.spark.SparkException;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a run must not do to its surroundings, and the errors a user must be able to read. */
class DistributeGuardsTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final String EVENT = "{\"event_id\":\"%s\",\"timestamp\":\"%s\",\"domain\":\"d\",\"event_type\":\"t\","
            + "\"data\":{}}\n";

    @TempDir
    Path dir;

    private SluiceCli sluice;

    @BeforeEach
    void lake() throws IOException {
        Files.createDirectories(dir.resolve("lake/landing/pending"));
        sluice = new SluiceCli(dir.resolve("lake"));
    }

    private void deliver(String name, String... lines) throws IOException {
        Files.writeString(dir.resolve("lake/landing/pending").resolve(name), String.join("", lines));
    }

    @Test
    void settingsThePlatformSetSurviveAMerge() throws IOException {
        RuntimeConfig conf = SPARK.conf();
        List<String> absent = List.of("spark.databricks.delta.write.txnAppId", "spark.databricks.delta.write.txnVersion");
        absent.forEach(key -> assertFalse(SPARK.sessionState().conf().contains(key), key));
        List<String> keys = List.of("spark.databricks.delta.schema.autoMerge.enabled", "spark.sql.files.maxRecordsPerFile",
                "spark.databricks.delta.properties.defaults.enableDeletionVectors");
        conf.set(keys.get(0), "false");
        conf.set(keys.get(1), "777");
        conf.set(keys.get(2), "false");
        try {
            deliver("a.json", EVENT.formatted("e1", "2024-01-01T00:00:00Z"), EVENT.formatted("e2", "2024-01-01T00:00:00Z"));
            assertEquals(0, sluice.run("run"), sluice.err());
            deliver("b.json", EVENT.formatted("e1", "2024-01-02T00:00:00Z"));
            assertEquals(0, sluice.run("run"), sluice.err());
            assertTrue(sluice.out().contains("trusted: 0 new, 1 newer versions"), sluice.out());

            assertEquals(List.of("false", "777", "false"), keys.stream().map(conf::get).toList());
            absent.forEach(key -> assertFalse(SPARK.sessionState().conf().contains(key), "a key absent before the"
                    + " run is absent after it: " + key));
            assertEquals(2, SPARK.read().format("delta").load(dir.resolve("lake/trusted/events").toString()).count());
        } finally {
            keys.forEach(conf::unset);
        }
    }

    @Test
    void aZoneMissingFromTheConfigComesFromTheCommandLine() throws IOException {
        String config = Files.readString(Path.of("conf/local.yaml")).replaceAll("(?s)zones:.*?\n\n", "");
        Path noZones = dir.resolve("no-zones.yaml");
        Files.writeString(noZones, config);
        deliver("a.json", EVENT.formatted("e1", "2024-01-01T00:00:00Z"));

        assertEquals(0, new SluiceCli(dir.resolve("lake"), "--config", noZones.toString()).run("run"));

        StringWriter err = new StringWriter();
        CommandLine cli = Sluice.commandLine(new Sluice(settings -> SPARK, Checkpoints.NONE, Clock.systemUTC()));
        cli.setErr(new PrintWriter(err));
        assertEquals(2, cli.execute("run", "--config", noZones.toString(), "--landing", "x", "--stage", "y",
                "--quarantine", "z"));
        assertEquals("error: " + noZones + ": zone 'zones.trusted' is missing; set it in the config or pass --trusted"
                + " URI", err.toString().strip());
    }

    @Test
    void distributeWithoutAStageTableSaysSoInsteadOfDoingNothing() {
        assertEquals(2, sluice.run("distribute"));

        String stage = "file:" + dir.resolve("lake/stage") + "/events";
        assertTrue(sluice.err().startsWith("error: there is no stage table at " + stage + ": nothing was parsed into"
                + " this stage zone for dataset 'events'. Check --stage (or zones.stage in conf/local.yaml), or run"
                + " 'sluice parse' first"), sluice.err());
    }

    @Test
    void outOfMemoryIsNamedWithTheSettingToChange() throws IOException {
        deliver("a.json", EVENT.formatted("e1", "2024-01-01T00:00:00Z"));
        Checkpoints outOfMemory = point -> {
            if (point.equals("parse.planned")) {
                throw new IllegalStateException(new SparkException("Job aborted due to stage failure: Task 1 in stage"
                        + " 3.0 failed 1 times, most recent failure: Lost task 1.0 in stage 3.0 (TID 7)",
                        new OutOfMemoryError("Java heap space")));
            }
        };

        assertEquals(1, sluice.run(outOfMemory, "parse"));

        assertEquals("error: parse ran out of memory (java.lang.OutOfMemoryError) in task 1.0 in stage 3.0. Give it more:"
                + " locally SLUICE_DRIVER_MEMORY=8g (the local runner's heap); on a cluster spark.executor.memory and"
                + " spark.driver.memory (EMR step or Databricks cluster); or smaller batches (parse --max-files /"
                + " --max-bytes)", sluice.err().lines().findFirst().orElseThrow());
    }

    @Test
    void outOfMemoryWhileParsingNamesTheFileAndTheLine() throws IOException {
        deliver("a.json", EVENT.formatted("e1", "2024-01-01T00:00:00Z"));
        Checkpoints outOfMemory = point -> {
            if (point.equals("parse.planned")) {
                throw new IllegalStateException(new SparkException("Job aborted due to stage failure: Task 0 in stage"
                        + " 2.0 failed 1 times, most recent failure: Lost task 0.0 in stage 2.0 (TID 3)",
                        new IllegalStateException("java.lang.OutOfMemoryError while parsing landing file"
                                + " file:/lake/landing/pending/big file.json after line 1200 (Java heap space): a single"
                                + " record this large, or the rows of this task, do not fit in the heap",
                                new OutOfMemoryError("Java heap space"))));
            }
        };

        assertEquals(1, sluice.run(outOfMemory, "parse"));

        assertEquals("error: parse ran out of memory (java.lang.OutOfMemoryError) while parsing landing file"
                + " file:/lake/landing/pending/big file.json after line 1200 in task 0.0 in stage 2.0. Give it more:"
                + " locally SLUICE_DRIVER_MEMORY=8g (the local runner's heap); on a cluster spark.executor.memory and"
                + " spark.driver.memory (EMR step or Databricks cluster); or smaller batches (parse --max-files /"
                + " --max-bytes)", sluice.err().lines().findFirst().orElseThrow());
    }

    @Test
    void aFullDiskIsNamed() throws IOException {
        deliver("a.json", EVENT.formatted("e1", "2024-01-01T00:00:00Z"));
        Checkpoints fullDisk = point -> {
            if (point.equals("parse.planned")) {
                throw new IllegalStateException("cannot write stage",
                        new IOException("No space left on device"));
            }
        };

        assertEquals(1, sluice.run(fullDisk, "parse"));

        assertTrue(sluice.err().startsWith("error: parse stopped: a disk is full (No space left on device). Free space"
                + " on the volume of spark.local.dir"), sluice.err());
    }
}
