package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.SparkTestSession;
import io.sluice.ingest.Timestamps;
import io.sluice.lake.Checkpoints;
import picocli.CommandLine;
import org.apache.commons.io.FileUtils;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole flow, parse then distribute, on real files, a real local Spark and real Delta tables. */
class PipelineTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path lake;

    private String out;
    private String err;

    /** A crash at a named point, as a kill would leave it (the lock aside, released here by the JVM). */
    static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash(String point) {
            super("simulated crash at " + point);
        }
    }

    @BeforeEach
    void landing() throws IOException {
        Files.createDirectories(lake.resolve("landing/pending"));
    }

    /** Checkpoints that crash at {@code point}, as a kill there would. */
    private static Checkpoints crashAt(String point) {
        return name -> {
            if (name.equals(point)) {
                throw new SimulatedCrash(name);
            }
        };
    }

    private int sluice(Checkpoints checkpoints, String... args) {
        StringWriter outText = new StringWriter();
        StringWriter errText = new StringWriter();
        CommandLine commandLine = Sluice.commandLine(new Sluice(settings -> SPARK, checkpoints, Clock.systemUTC()));
        commandLine.setOut(new PrintWriter(outText));
        commandLine.setErr(new PrintWriter(errText));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--landing", lake.resolve("landing").toString(), "--stage", lake.resolve("stage").toString(),
                "--trusted", lake.resolve("trusted").toString(), "--quarantine", lake.resolve("quarantine").toString()));
        int code = commandLine.execute(all.toArray(String[]::new));
        out = outText.toString();
        err = errText.toString();
        return code;
    }

    private int sluice(String... args) {
        return sluice(Checkpoints.NONE, args);
    }

    private void deliver(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.copy(file, lake.resolve("landing/pending").resolve(file.getFileName()));
            }
        }
    }

    private void deliver(String name, String content) throws IOException {
        Files.writeString(lake.resolve("landing/pending").resolve(name), content);
    }

    /** event_id -> "timestamp in UTC | partition", straight from the trusted table. */
    private Map<String, String> trusted() {
        Map<String, String> rows = new TreeMap<>();
        for (Row row : SPARK.read().format("delta").load(lake.resolve("trusted/events").toString())
                .selectExpr("event_id", "cast(unix_micros(timestamp) as string)", "domain_event_type", "year", "month",
                        "day", "data").collectAsList()) {
            String previous = rows.put(row.getString(0), Instant.EPOCH.plusNanos(Long.parseLong(row.getString(1)) * 1000)
                    + " | " + row.getString(2) + "/" + row.getInt(3) + "/" + row.getInt(4) + "/" + row.getInt(5)
                    + " | " + row.getString(6));
            assertEquals(null, previous, "event_id " + row.getString(0) + " appears twice in trusted");
        }
        return rows;
    }

    /** The oracle: latest version per event_id over every good record in {@code dirs}, computed without Spark. */
    private static Map<String, Instant> latestVersions(Path... dirs) throws IOException {
        Map<String, Instant> latest = new TreeMap<>();
        for (Path dir : dirs) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                    for (JsonNode event : JSON.readTree(file.toFile())) {
                        Instant ts = Timestamps.parse(event.get("timestamp").asText(), ZoneId.of("UTC")).orElseThrow();
                        latest.merge(event.get("event_id").asText(), ts, (a, b) -> a.isAfter(b) ? a : b);
                    }
                }
            }
        }
        return latest;
    }

    private long deltaVersion(String table) {
        return SPARK.sql("DESCRIBE HISTORY delta.`" + lake.resolve(table) + "`").selectExpr("max(version)")
                .first().getLong(0);
    }

    private List<String> files(String dir) throws IOException {
        Path root = lake.resolve(dir);
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replaceAll("date=[0-9-]+", "date=D"))
                    .sorted().toList();
        }
    }

    @Test
    void realSamplesKeepOnlyTheLatestVersionOfEachEvent() throws IOException {
        Path samples = Path.of("../shared/real-samples/pismo-challenge");
        if (!Files.isDirectory(samples)) {
            samples = Path.of("sample-data/events");
        }
        Path pismo = Files.createTempDirectory("pismo");
        for (String name : List.of("fake_events.json", "fake_events_20230725162933.json", "fake_events_20230725162938.json")) {
            Files.copy(Path.of("sample-data/events", name), pismo.resolve(name));
        }
        deliver(pismo);

        assertEquals(0, sluice("run", "--report", lake.resolve("report.json").toString()), err);

        Map<String, Instant> oracle = latestVersions(pismo);
        assertEquals(24, oracle.size());
        Map<String, String> rows = trusted();
        assertEquals(oracle.keySet(), rows.keySet());
        oracle.forEach((id, ts) -> assertTrue(rows.get(id).startsWith(ts + " | "), id + ": " + rows.get(id)));
        assertEquals("2022-02-13T08:24:55Z | account-status-change/2022/2/13 | {\"id\":391724,\"old_status\":\"SUSPENDED\","
                + "\"new_status\":\"SUSPENDED\",\"reason\":\"Risk military eat yourself.\"}",
                rows.get("ed3ea95a-27a7-4cc2-930a-4ef3755c26e0"));
        JsonNode report = JSON.readTree(lake.resolve("report.json").toFile());
        assertEquals("run", report.get("command").asText());
        assertEquals("succeeded", report.get("status").asText());
        assertEquals(3, report.at("/files/seen").asLong());
        assertEquals(3, report.at("/files/moved").asLong());
        assertEquals(30 + 30, report.at("/records/read").asLong(), "30 parsed, then 30 distributed");
        assertEquals(6, report.at("/records/duplicates").asLong());
        assertEquals(30 + 24, report.at("/records/written").asLong());
        assertEquals(List.of("date=D/fake_events.json", "date=D/fake_events_20230725162933.json",
                "date=D/fake_events_20230725162938.json"), files("landing/processed"));
        assertEquals(List.of(), files("landing/pending"));
    }

    @Test
    void everyLayoutAndOddNameParsesAndBadRecordsAreQuarantinedWithTheirReason() throws IOException {
        deliver(Path.of("sample-data/events"));
        deliver("empty file.json", "");
        deliver("a:b%c#d+e?f&g ação.json", "{\"event_id\":\"odd-1\",\"timestamp\":\"2024-01-31T23:30:00-03:00\","
                + "\"domain\":\"x\",\"event_type\":\"y\",\"data\":{\"id\":1}}");

        assertEquals(0, sluice("run"), err);

        Map<String, String> rows = trusted();
        assertEquals(31, rows.size());
        assertEquals("2024-02-01T02:30:00Z | x-y/2024/2/1 | {\"id\":1}", rows.get("odd-1"));
        assertEquals("2023-07-27T10:00:00Z | account-created/2023/7/27 | {\"id\":1001,\"plan\":\"platinum\"}",
                rows.get("b3c1d5a0-0001-4f00-9000-000000000001"), "the gzip file's newer version wins");
        assertEquals("2023-07-26T02:59:59.999999Z | account-closed/2023/7/26 | {\"id\":1003,\"reason\":\"moved abroad\","
                + "\"new_key\":{\"nested\":true}}", rows.get("b3c1d5a0-0001-4f00-9000-000000000004"));
        assertEquals("2023-07-26T08:00:00.500Z | account-status-change/2023/7/26 | {\"id\":1001,\"old_status\":\"ACTIVE\","
                + "\"new_status\":\"BLOCKED\"}", rows.get("b3c1d5a0-0002-4f00-9000-000000000001"));

        List<String> quarantined = SPARK.read().format("delta").load(lake.resolve("quarantine/events").toString())
                .selectExpr("concat(source_file, ':', record_line, ' ', reason)").orderBy("source_file", "record_line")
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        assertEquals(List.of(
                "concat_100%_done.json:1 missing required field 'event_id'",
                "orders feed 2023-07-25T16:30:00+00:00 #1.ndjson:4 field 'timestamp' is not a timestamp: \"not a date\"",
                "orders feed 2023-07-25T16:30:00+00:00 #1.ndjson:6 malformed JSON: Illegal unquoted character"
                        + " ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in name"),
                quarantined);
        assertEquals(List.of("date=D/a:b%c#d+e?f&g ação.json", "date=D/concat_100%_done.json", "date=D/empty file.json",
                "date=D/fake_events.json", "date=D/fake_events_20230725162933.json", "date=D/fake_events_20230725162938.json",
                "date=D/late batch ação.json.gz", "date=D/orders feed 2023-07-25T16:30:00+00:00 #1.ndjson"),
                files("landing/processed"));
    }

    @Test
    void rerunsAndRedeliveriesChangeNothing() throws IOException {
        deliver(Path.of("sample-data/events"));
        assertEquals(0, sluice("run"), err);
        Map<String, String> first = trusted();
        long version = deltaVersion("trusted/events");
        long stageRows = SPARK.read().format("delta").load(lake.resolve("stage/events").toString()).count();

        assertEquals(0, sluice("run"), err);
        deliver(Path.of("sample-data/events"));
        assertEquals(0, sluice("run"), err);
        assertTrue(out.contains("pending/fake_events.json was already ingested by batch"), out);

        assertEquals(first, trusted());
        assertEquals(version, deltaVersion("trusted/events"), "no new trusted version");
        assertEquals(stageRows, SPARK.read().format("delta").load(lake.resolve("stage/events").toString()).count());
    }

    @Test
    void runReadsTheBatchItsParseCommittedFromThatCommitsFilesAndEndsLikeParseThenDistribute() throws Exception {
        deliver(Path.of("sample-data/events"));
        assertEquals(0, sluice("parse"), err);
        // A distribute of its own reads what parse counted from the stage commit's log entry, not from the ledger of
        // ingested files: with the ledger moved away it still reports the records parse quarantined.
        Path ledger = lake.resolve("stage/_sluice/events/files");
        Path aside = lake.resolve("files-aside");
        Files.move(ledger, aside);
        assertEquals(0, sluice("distribute", "--report", lake.resolve("apart.json").toString()), err);
        Files.move(aside, ledger);
        Map<String, String> apart = trusted();
        JsonNode apartDetails = JSON.readTree(lake.resolve("apart.json").toFile()).at("/steps/0/details");
        for (String zone : List.of("landing", "stage", "trusted", "quarantine")) {
            FileUtils.deleteDirectory(lake.resolve(zone).toFile());
        }
        landing();
        deliver(Path.of("sample-data/events"));

        List<String> jobs = new CopyOnWriteArrayList<>();
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart jobStart) {
                jobs.add(String.valueOf(jobStart.properties().getProperty("spark.job.description")));
            }
        };
        SPARK.sparkContext().addSparkListener(listener);
        try {
            assertEquals(0, sluice("run", "--report", lake.resolve("run.json").toString()), err);
            SPARK.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            SPARK.sparkContext().removeSparkListener(listener);
        }
        // Distribute read the batch from the files of the commit parse made, and took the quarantined count from
        // parse: neither it nor anything else planned a scan of a Delta table (Delta's file filtering by statistics).
        assertTrue(jobs.stream().noneMatch(job -> job.contains("Filtering files for query")), jobs.toString());
        assertEquals(apart, trusted());
        JsonNode runDetails = JSON.readTree(lake.resolve("run.json").toFile()).at("/steps/1/details");
        assertEquals(apartDetails, runDetails);
        assertTrue(runDetails.get("quarantinedAtParse").asLong() > 0, runDetails.toString());
    }

    private static final String FIRST_VERSIONS = "{\"event_id\":\"e1\",\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"v\":1}}\n"
            + "{\"event_id\":\"e2\",\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"v\":1}}\n"
            + "{\"event_id\":\"e3\",\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"v\":1}}\n"
            + "{\"event_id\":\"e4\",\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"v\":1}}\n";
    /** After {@link #FIRST_VERSIONS}: e1 newer on another day, e2 older, e3 the same, e4 a tie ingested later, e5 new twice. */
    private static final String LATER_VERSIONS = "{\"event_id\":\"e1\",\"timestamp\":\"2024-03-05T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"v\":2}}\n"
            + "{\"event_id\":\"e2\",\"timestamp\":\"2024-02-01T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"v\":0}}\n"
            + "{\"event_id\":\"e3\",\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"v\":1}}\n"
            + "{\"event_id\":\"e4\",\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"v\":9}}\n"
            + "{\"event_id\":\"e5\",\"timestamp\":\"2024-03-02T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"v\":1}}\n"
            + "{\"event_id\":\"e5\",\"timestamp\":\"2024-03-02T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"v\":1}}\n";
    private static final Map<String, String> AFTER_LATER_VERSIONS = Map.of(
            "e1", "2024-03-05T10:00:00Z | a-b/2024/3/5 | {\"v\":2}",
            "e2", "2024-03-01T10:00:00Z | a-b/2024/3/1 | {\"v\":1}",
            "e3", "2024-03-01T10:00:00Z | a-b/2024/3/1 | {\"v\":1}",
            "e4", "2024-03-01T10:00:00Z | a-b/2024/3/1 | {\"v\":9}",
            "e5", "2024-03-02T10:00:00Z | a-b/2024/3/2 | {\"v\":1}");

    @Test
    void laterBatchesReplaceOlderVersionsEvenAcrossPartitionsAndIgnoreStaleOnes() throws IOException {
        deliver("batch1.json", FIRST_VERSIONS);
        assertEquals(0, sluice("run"), err);
        deliver("batch2.json", LATER_VERSIONS);
        assertEquals(0, sluice("run", "--report", lake.resolve("report.json").toString()), err);

        assertEquals(AFTER_LATER_VERSIONS, trusted());
        JsonNode details = JSON.readTree(lake.resolve("report.json").toFile()).at("/steps/1/details");
        assertEquals(1, details.get("inserted").asLong());
        assertEquals(2, details.get("updated").asLong(), "e1 newer, e4 same timestamp and later ingested");
        assertEquals(1, details.get("stale").asLong(), "e2 older");
        assertEquals(1, details.get("alreadyPresent").asLong(), "e3 resent");
        assertEquals(1, details.get("sameVersionConflicts").asLong(), "e4");
        assertEquals(1, files("trusted/events/domain_event_type=a-b/year=2024/month=3/day=5").stream()
                .filter(f -> f.endsWith(".parquet") && !f.startsWith(".")).count(), "one file per partition per batch");
    }

    /** A table without deletion vectors takes a batch in two commits: a MERGE of newer versions, then new keys. */
    @Test
    void aKillBetweenReplacingOlderVersionsAndAddingNewKeysLeavesNothingTwiceAndTheRerunAddsTheRest()
            throws IOException {
        String config = noDeletionVectors();
        deliver("batch1.json", FIRST_VERSIONS);
        assertEquals(0, sluice("run", "--config", config), err);
        long before = deltaVersion("trusted/events");
        deliver("batch2.json", LATER_VERSIONS);

        assertEquals(1, sluice(crashAt("distribute.trustedReplaced"), "run", "--config", config));

        assertTrue(err.contains("simulated crash at distribute.trustedReplaced"), err);
        Map<String, String> between = trusted();
        assertEquals(AFTER_LATER_VERSIONS.get("e1"), between.get("e1"), "the newer version replaced the older");
        assertEquals(AFTER_LATER_VERSIONS.get("e4"), between.get("e4"));
        assertEquals(null, between.get("e5"), "the new key is not added yet");
        assertEquals(before + 1, deltaVersion("trusted/events"));

        assertEquals(0, sluice("run", "--config", config, "--report", lake.resolve("report.json").toString()), err);

        assertEquals(AFTER_LATER_VERSIONS, trusted());
        JsonNode details = JSON.readTree(lake.resolve("report.json").toFile()).at("/steps/1/details");
        assertEquals(List.of(1L, 0L), List.of(details.get("inserted").asLong(), details.get("updated").asLong()));
        assertTrue(out.contains("key index: built from the table's 5 rows"), out);
        assertEquals(0, sluice("run", "--config", config), err);
        assertEquals(AFTER_LATER_VERSIONS, trusted());
    }

    /**
     * More newer versions than the one-commit write lists as literals of its condition (20,000) go, into a table with
     * deletion vectors too, through the MERGE and then the append, each commit with its transaction: killed between
     * the two, the rerun adds the new key and replaces nothing twice.
     */
    @Test
    void moreNewerVersionsThanTheOneCommitListsAreMergedThenAppendedExactlyOnce() throws IOException {
        int replaced = 20_001;
        StringBuilder first = new StringBuilder();
        StringBuilder later = new StringBuilder();
        for (int i = 0; i < replaced; i++) {
            first.append(event("k" + i, "2024-03-0" + (1 + i % 3), 1));
            later.append(event("k" + i, "2024-03-0" + (2 + i % 3), 2));
        }
        later.append(event("new", "2024-03-09", 2));
        deliver("batch1.json", first.toString());
        assertEquals(0, sluice("run"), err);
        long before = deltaVersion("trusted/events");
        deliver("batch2.json", later.toString());

        assertEquals(1, sluice(crashAt("distribute.trustedReplaced"), "run"));
        assertEquals(before + 1, deltaVersion("trusted/events"), "the MERGE committed, the append not yet");
        assertEquals(0, sluice("run"), err);
        assertEquals(0, sluice("run"), err);

        assertEquals(before + 2, deltaVersion("trusted/events"), "a MERGE and an append, and the reruns add none");
        Map<String, String> rows = trusted();
        assertEquals(replaced + 1, rows.size());
        for (int i = 0; i < replaced; i++) {
            assertEquals("2024-03-0" + (2 + i % 3) + "T10:00:00Z | a-b/2024/3/" + (2 + i % 3) + " | {\"v\":2}",
                    rows.get("k" + i), "k" + i);
        }
        assertEquals("2024-03-09T10:00:00Z | a-b/2024/3/9 | {\"v\":2}", rows.get("new"));
        List<Row> commits = SPARK.sql("DESCRIBE HISTORY delta.`" + lake.resolve("trusted/events") + "`")
                .where("version > " + before).orderBy("version")
                .selectExpr("operation", "operationMetrics['numTargetRowsUpdated']", "operationMetrics['numOutputRows']")
                .collectAsList();
        assertEquals("[[MERGE," + replaced + "," + replaced + "], [WRITE,null,1]]", commits.toString());
    }

    private static String event(String id, String day, int version) {
        return "{\"event_id\":\"" + id + "\",\"timestamp\":\"" + day + "T10:00:00Z\",\"domain\":\"a\","
                + "\"event_type\":\"b\",\"data\":{\"v\":" + version + "}}\n";
    }

    /** conf/local.yaml with new trusted tables created without deletion vectors. */
    private String noDeletionVectors() throws IOException {
        Path config = lake.resolve("no-deletion-vectors.yaml");
        String local = Files.readString(Path.of("conf/local.yaml"));
        assertTrue(local.contains("deletionVectors: true"), "conf/local.yaml sets what this test replaces");
        Files.writeString(config, local.replace("deletionVectors: true", "deletionVectors: false"));
        return config.toString();
    }

    /**
     * With a stage retention of zero each run cleans the batches it consumed, and the manifests of cleaned batches
     * leave the folder every run reads: after three runs it holds the newest batch's only, the next parse numbers its
     * batch after it, and the table is what it would be without the cleaning.
     */
    @Test
    void cleanedBatchesLeaveStageAndTheirManifestsLeaveTheFolderEveryRunReads() throws IOException {
        Path config = lake.resolve("no-retention.yaml");
        String local = Files.readString(Path.of("conf/local.yaml"));
        assertTrue(local.contains("stageRetention: P7D"), "conf/local.yaml sets the retention this test replaces");
        Files.writeString(config, local.replace("stageRetention: P7D", "stageRetention: PT0S"));
        String e6 = "{\"event_id\":\"e6\",\"timestamp\":\"2024-03-03T10:00:00Z\",\"domain\":\"a\","
                + "\"event_type\":\"b\",\"data\":{\"v\":6}}\n";
        String e7 = e6.replace("e6", "e7").replace("2024-03-03", "2024-03-04");

        deliver("batch1.json", FIRST_VERSIONS);
        assertEquals(0, sluice("run", "--config", config.toString()), err);
        deliver("batch2.json", e6);
        assertEquals(0, sluice("run", "--config", config.toString()), err);
        deliver("batch3.json", LATER_VERSIONS);
        assertEquals(0, sluice("run", "--config", config.toString(), "--report",
                lake.resolve("report.json").toString()), err);

        assertEquals(List.of("000000000003.json"), files("stage/_sluice/events/batches"));
        assertEquals(List.of("000000000001.json", "000000000002.json"), files("stage/_sluice/events/batches-retired"));
        assertEquals(0, SPARK.read().format("delta").load(lake.resolve("stage/events").toString()).count(),
                "every consumed batch was cleaned from stage");
        JsonNode details = JSON.readTree(lake.resolve("report.json").toFile()).at("/steps/1/details");
        assertEquals(1, details.get("stageBatchesCleaned").asLong());
        assertEquals(1, details.get("manifestsRetired").asLong());
        Map<String, String> expected = new TreeMap<>(AFTER_LATER_VERSIONS);
        expected.put("e6", "2024-03-03T10:00:00Z | a-b/2024/3/3 | {\"v\":6}");
        assertEquals(expected, trusted());

        deliver("batch4.json", e7 + LATER_VERSIONS);
        assertEquals(0, sluice("run", "--config", config.toString()), err);

        assertEquals(List.of("000000000004.json"), files("stage/_sluice/events/batches"));
        assertEquals(List.of("000000000001.json", "000000000002.json", "000000000003.json"),
                files("stage/_sluice/events/batches-retired"));
        expected.put("e7", "2024-03-04T10:00:00Z | a-b/2024/3/4 | {\"v\":6}");
        assertEquals(expected, trusted(), "batch 4 is new, and its re-sends of batch 3 change nothing");
    }

    /**
     * A batch into a table with deletion vectors is one commit: the older rows of its newer versions are marked in the
     * file holding them, not rewritten, its newer versions and new keys are appended, no change-data file is written,
     * its metrics count the replaced rows as a MERGE's updates and the rest as inserts, and the change feed still
     * reads the older rows as deleted and the newer as inserted. Killed after the commit, the rerun adds nothing.
     */
    @Test
    void aBatchIsOneCommitThatMarksReplacedRowsWithDeletionVectorsAndRewritesNoFile() throws IOException {
        deliver("batch1.json", FIRST_VERSIONS);
        assertEquals(0, sluice("run"), err);
        long batch = deltaVersion("trusted/events") + 1;
        deliver("batch2.json", LATER_VERSIONS);

        assertEquals(1, sluice(crashAt("distribute.trustedCommitted"), "run"));
        assertEquals(AFTER_LATER_VERSIONS, trusted(), "killed after its commit, the whole batch is in");
        assertEquals(0, sluice("run"), err);

        assertEquals(AFTER_LATER_VERSIONS, trusted());
        assertEquals(batch, deltaVersion("trusted/events"), "one commit, and the rerun adds none");
        List<JsonNode> actions = new ArrayList<>();
        for (String line : Files.readAllLines(lake.resolve("trusted/events/_delta_log")
                .resolve(String.format("%020d.json", batch)))) {
            actions.add(JSON.readTree(line));
        }
        List<String> removed = actions.stream().filter(a -> a.has("remove"))
                .map(a -> a.at("/remove/path").asText()).toList();
        List<JsonNode> added = actions.stream().filter(a -> a.has("add")).map(a -> a.get("add")).toList();
        assertEquals(1, removed.size(), "the file of 2024-03-01 held both older versions: " + actions);
        List<JsonNode> marked = added.stream().filter(a -> a.path("deletionVector").isObject()).toList();
        assertEquals(1, marked.size(), actions.toString());
        assertEquals(removed.get(0), marked.get(0).get("path").asText(), "the same file, marked, not rewritten");
        assertEquals(2, marked.get(0).at("/deletionVector/cardinality").asLong(), "e1 and e4 marked deleted");
        assertEquals(3, added.size() - marked.size(), "new files for e1 (2024-03-05), e4 (2024-03-01), e5 (2024-03-02)");
        assertTrue(actions.stream().noneMatch(a -> a.has("cdc")), "no change-data file: " + actions);
        assertEquals(1, actions.stream().filter(a -> a.has("txn")).count(), "the batch's transaction: " + actions);
        JsonNode commit = actions.stream().filter(a -> a.has("commitInfo")).findFirst().orElseThrow().get("commitInfo");
        assertEquals("MERGE", commit.get("operation").asText());
        assertEquals("2", commit.at("/operationMetrics/numTargetRowsUpdated").asText(), commit.toString());
        assertEquals("1", commit.at("/operationMetrics/numTargetRowsInserted").asText(), commit.toString());

        List<String> changes = SPARK.read().format("delta").option("readChangeFeed", "true")
                .option("startingVersion", batch).option("endingVersion", batch)
                .load(lake.resolve("trusted/events").toString())
                .selectExpr("concat_ws(' ', event_id, _change_type, cast(day as string), data)")
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList().stream().sorted().toList();
        assertEquals(List.of("e1 delete 1 {\"v\":1}", "e1 insert 5 {\"v\":2}", "e4 delete 1 {\"v\":1}",
                "e4 insert 1 {\"v\":9}", "e5 insert 2 {\"v\":1}"), changes);
    }

    /**
     * The older versions a batch replaces are looked for only in the files whose statistics allow the batches that
     * wrote them: three runs into one day leave three files in its partition, and a newer version of the first run's
     * event reads one of them.
     */
    @Test
    void olderVersionsAreLookedForOnlyInTheFilesOfTheBatchesThatWroteThem() throws IOException {
        deliver("batch1.json", event("e1", "2024-03-01", 1) + event("e2", "2024-03-01", 1));
        assertEquals(0, sluice("run"), err);
        // Each later file's event ids span e1's, so that their statistics on event_id alone would not rule them out.
        deliver("batch2.json", event("e0", "2024-03-01", 1) + event("e3", "2024-03-01", 1));
        assertEquals(0, sluice("run"), err);
        deliver("batch3.json", event("e00", "2024-03-01", 1) + event("e4", "2024-03-01", 1));
        assertEquals(0, sluice("run"), err);
        try (Stream<Path> files = Files.list(lake.resolve("trusted/events/domain_event_type=a-b/year=2024/month=3/day=1"))) {
            assertEquals(3, files.filter(f -> f.toString().endsWith(".parquet")).count(), "a file per run");
        }

        deliver("batch4.json", event("e1", "2024-03-01", 2) + event("e5", "2024-03-01", 1));
        assertEquals(0, sluice("run"), err);

        assertTrue(out.contains("trusted: the 1 older versions looked for in 1 of the table's 3 files"), out);
        Map<String, String> expected = new TreeMap<>();
        for (String id : List.of("e0", "e00", "e2", "e3", "e4", "e5")) {
            expected.put(id, "2024-03-01T10:00:00Z | a-b/2024/3/1 | {\"v\":1}");
        }
        expected.put("e1", "2024-03-01T10:00:00Z | a-b/2024/3/1 | {\"v\":2}");
        assertEquals(expected, trusted());
    }

    /**
     * Into a table without deletion vectors a MERGE replaces the older versions, and it joins the broadcast replaced
     * rows to the touched files: no sort-merge join, which shuffles every row of those files (what a not-matched
     * clause made Delta plan).
     */
    @Test
    void theMergeOfNewerVersionsBroadcastsThemInsteadOfShufflingTheTouchedFiles() throws Exception {
        String config = noDeletionVectors();
        deliver("batch1.json", FIRST_VERSIONS);
        assertEquals(0, sluice("run", "--config", config), err);
        deliver("batch2.json", LATER_VERSIONS);
        List<String> mergePlans = java.util.Collections.synchronizedList(new ArrayList<>());
        org.apache.spark.scheduler.SparkListener plans = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onOtherEvent(org.apache.spark.scheduler.SparkListenerEvent event) {
                if (event instanceof org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart start
                        && (start.description().contains("scanning files for matches")
                        || start.description().contains("Writing modified data"))) {
                    mergePlans.add(start.physicalPlanDescription());
                }
            }
        };
        SPARK.sparkContext().addSparkListener(plans);
        // This table is a few rows, which Spark would broadcast whatever the MERGE's shape; a real table is not.
        String threshold = "spark.sql.autoBroadcastJoinThreshold";
        String before = SPARK.conf().get(threshold);
        SPARK.conf().set(threshold, "-1");
        try {
            assertEquals(0, sluice("run", "--config", config), err);
            SPARK.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            SPARK.conf().set(threshold, before);
            SPARK.sparkContext().removeSparkListener(plans);
        }

        assertEquals(AFTER_LATER_VERSIONS, trusted());
        List<String> joins = mergePlans.stream().filter(plan -> plan.contains("Join")).toList();
        assertTrue(joins.size() >= 2, "the MERGE's scans for matches and its write: " + mergePlans.size() + " plans");
        for (String plan : joins) {
            assertTrue(!plan.contains("SortMergeJoin") && plan.contains("BroadcastHashJoin"), plan);
        }
    }

    /**
     * Another writer changes an older version between the classification and the write: deletes it, or moves it to
     * another partition. The MERGE pruned to where the classification found it misses it; its commit's metrics say
     * so, and the second MERGE over the whole table writes the newer version once.
     */
    @ParameterizedTest
    @ValueSource(strings = {"deleted", "moved"})
    void anOlderVersionChangedByAnotherWriterBeforeTheWriteStillGetsItsNewerVersionOnce(String change)
            throws IOException {
        deliver("batch1.json", FIRST_VERSIONS);
        assertEquals(0, sluice("run"), err);
        deliver("batch2.json", LATER_VERSIONS);
        String trustedTable = lake.resolve("trusted/events").toString();
        Checkpoints otherWriter = name -> {
            if (name.equals("distribute.trustedClassified")) {
                io.delta.tables.DeltaTable table = io.delta.tables.DeltaTable.forPath(SPARK, trustedTable);
                org.apache.spark.sql.Column e1 = org.apache.spark.sql.functions.col("event_id")
                        .equalTo(org.apache.spark.sql.functions.lit("e1"));
                if (change.equals("deleted")) {
                    table.delete(e1);
                } else {
                    table.update(e1, Map.of("day", org.apache.spark.sql.functions.lit(9)));
                }
            }
        };

        assertEquals(0, sluice(otherWriter, "run"), err);

        assertEquals(AFTER_LATER_VERSIONS, trusted());
        assertTrue(out.contains("trusted: 1 of 2 older versions were where the classification found them"), out);
        assertEquals(0, sluice("run"), err);
        assertEquals(AFTER_LATER_VERSIONS, trusted());
    }

    @ParameterizedTest
    @ValueSource(strings = {"parse.planned", "parse.stageCommitted", "parse.quarantineCommitted", "parse.committed",
            "parse.firstMoved", "distribute.trustedCommitted", "distribute.consumedRecorded"})
    void aCrashAnywhereThenARerunEndsExactlyLikeACleanRun(String point) throws IOException {
        deliver(Path.of("sample-data/events"));
        Checkpoints crash = crashAt(point);
        assertEquals(1, sluice(crash, "run"));
        assertTrue(err.contains("simulated crash at " + point), err);

        assertEquals(0, sluice("run"), err);

        Map<String, String> rows = trusted();
        assertEquals(30, rows.size());
        assertEquals(38, SPARK.read().format("delta").load(lake.resolve("stage/events").toString()).count());
        assertEquals(3, SPARK.read().format("delta").load(lake.resolve("quarantine/events").toString()).count());
        // Parse writes stage files once and commits them as they are; what the table does not reference is gone.
        List<String> referenced = Stream.of(SPARK.read().format("delta").load(lake.resolve("stage/events")
                .toString()).inputFiles()).map(f -> f.substring(f.indexOf("/stage/events/") + 14).replaceAll("date=[0-9-]+", "date=D")).sorted()
                .toList();
        assertEquals(referenced, files("stage/events").stream()
                .filter(f -> f.endsWith(".parquet") && !f.startsWith("_") && !f.contains("/.")).toList());
        assertEquals(6, files("landing/processed").size());
        assertEquals(List.of(), files("landing/pending"));
    }

    @Test
    void aRerunDeletesWhatAKilledAttemptLeftBesideItsStageFilesAndCommitsItsOwn() throws IOException {
        deliverBacklog(2);
        Checkpoints crash = crashAt("parse.planned");
        assertEquals(1, sluice(crash, "parse"));
        String manifest;
        try (Stream<Path> found = Files.list(lake.resolve("stage/_sluice/events/batches"))) {
            manifest = Files.readString(found.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow());
        }
        String startedAt = new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifest).get("startedAt").asText();
        java.time.ZonedDateTime planned = java.time.Instant.parse(startedAt).atZone(java.time.ZoneOffset.UTC);
        // What a kill during the first attempt's commit would leave in the table's folder.
        Path killed = lake.resolve("stage/events/ingest_date=" + planned.toLocalDate() + "/ingest_hour="
                + planned.getHour() + "/sluice-batch-1-0badf00d");
        for (String kind : List.of("rest", "shift", "stage", "shifted", "corrected")) {
            Files.createDirectories(killed.resolve("sluice_kind=" + kind));
            Files.writeString(killed.resolve("sluice_kind=" + kind + "/part-00000.parquet"), "not parquet");
        }

        assertEquals(0, sluice("parse"), err);

        assertEquals(false, Files.exists(killed.resolve("sluice_kind=rest")));
        assertEquals(false, Files.exists(killed.resolve("sluice_kind=shift")));
        for (String kind : List.of("stage", "shifted", "corrected")) {
            assertTrue(Files.exists(killed.resolve("sluice_kind=" + kind + "/part-00000.parquet")),
                    kind + " files of another attempt may be the committed ones: VACUUM decides");
        }
        assertEquals(List.of("f1-1 | part-1.json | 1", "f1-2 | part-1.json | 1", "f2-1 | part-2.json | 1",
                "f2-2 | part-2.json | 1"), stageRows());
    }

    private void deliverBacklog(int files) throws IOException {
        for (int f = 1; f <= files; f++) {
            StringBuilder text = new StringBuilder();
            for (int r = 1; r <= 2; r++) {
                text.append("{\"event_id\":\"f").append(f).append("-").append(r)
                        .append("\",\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{}}\n");
            }
            deliver("part-" + f + ".json", text.toString());
        }
    }

    /** event_id | file | batch sequence of every stage row, sorted. */
    private List<String> stageRows() {
        return SPARK.read().format("delta").load(lake.resolve("stage/events").toString())
                .selectExpr("concat(event_id, ' | ', _source_file, ' | ', _batch_seq)").orderBy("event_id")
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    }

    private static final List<String> BACKLOG_IN_BATCHES_OF_TWO = List.of(
            "f1-1 | part-1.json | 1", "f1-2 | part-1.json | 1", "f2-1 | part-2.json | 1", "f2-2 | part-2.json | 1",
            "f3-1 | part-3.json | 2", "f3-2 | part-3.json | 2", "f4-1 | part-4.json | 2", "f4-2 | part-4.json | 2",
            "f5-1 | part-5.json | 3", "f5-2 | part-5.json | 3");

    @Test
    void aBacklogIsParsedBatchAfterBatchEachExactlyOnceAndARerunWritesNothing() throws IOException {
        deliverBacklog(5);

        assertEquals(0, sluice("parse", "--max-files", "2", "--report", lake.resolve("report.json").toString()), err);

        assertTrue(out.contains("batch 1 of ~3 ("), out);
        assertTrue(out.contains("): 2 files, 0.0 MB"), out);
        assertTrue(out.contains("batch 3 of ~3 ("), out);
        assertEquals(BACKLOG_IN_BATCHES_OF_TWO, stageRows());
        JsonNode report = JSON.readTree(lake.resolve("report.json").toFile());
        assertEquals(3, report.at("/steps/0/details/batches").asLong());
        assertEquals(5, report.at("/files/moved").asLong());
        assertEquals(10, report.at("/records/written").asLong());
        assertEquals(List.of(), files("landing/pending"));
        long version = deltaVersion("stage/events");

        assertEquals(0, sluice("parse", "--max-files", "2"), err);

        assertEquals(version, deltaVersion("stage/events"), "a rerun writes nothing");
        assertEquals(BACKLOG_IN_BATCHES_OF_TWO, stageRows());
    }

    @Test
    void aKillBetweenBatchesAndMaxBatchesLoseAndDuplicateNothing() throws IOException {
        deliverBacklog(5);
        int[] planned = {0};
        Checkpoints secondBatchPlanned = name -> {
            if (name.equals("parse.planned") && ++planned[0] == 2) {
                throw new SimulatedCrash(name);
            }
        };
        assertEquals(1, sluice(secondBatchPlanned, "parse", "--max-files", "2"));
        assertEquals(List.of("part-3.json", "part-4.json", "part-5.json"), files("landing/pending"));

        assertEquals(0, sluice("parse", "--max-files", "2", "--max-batches", "1"), err);
        assertTrue(out.contains("resuming batch "), out);
        assertTrue(out.contains("stopped after 1 batches (--max-batches 1); 1 files stay in pending for the next run"), out);
        assertEquals(List.of("part-5.json"), files("landing/pending"));

        assertEquals(0, sluice("parse", "--max-bytes", "1k"), err);
        assertEquals(BACKLOG_IN_BATCHES_OF_TWO, stageRows());
        assertEquals(List.of(), files("landing/pending"));
    }

    @Test
    void batchLimitsAreCheckedBeforeAnythingRuns() {
        assertEquals(2, sluice("parse", "--max-files", "0"));
        assertTrue(err.startsWith("--max-files must be at least 1, got 0"), err);
        assertEquals(2, sluice("run", "--max-bytes", "lots"));
        assertTrue(err.startsWith("--max-bytes: 'lots' is not a size; write e.g. 2g, 512m or 1048576"), err);
        assertEquals(2, sluice("parse", "--max-batches", "0"));
        assertTrue(err.startsWith("--max-batches must be at least 1, got 0"), err);
        assertEquals(2, sluice("parse", "--move-concurrency", "0"));
        assertTrue(err.startsWith("--move-concurrency must be between 1 and 64, got 0"), err);
        assertEquals(2, sluice("run", "--move-concurrency", "65"));
        assertTrue(err.startsWith("--move-concurrency must be between 1 and 64, got 65"), err);
    }

    @Test
    void aFailingMoveStopsTheRunNamingTheFileAndARerunFinishesTheBatch() throws IOException {
        deliverBacklog(30);
        // A different file already at part-17's place in processed: its move must refuse to overwrite it.
        Path clash = lake.resolve("landing/processed/date=" + java.time.LocalDate.now(java.time.ZoneOffset.UTC)
                + "/part-17.json");
        Files.createDirectories(clash.getParent());
        Files.writeString(clash, "not the same file");

        assertEquals(1, sluice("parse", "--move-concurrency", "8"));

        assertTrue(err.contains("cannot move ") && err.contains("part-17.json: ")
                && err.contains("part-17.json already exists with another size"), err);
        assertTrue(files("landing/pending").contains("part-17.json"), files("landing/pending").toString());
        assertEquals(60, stageRows().size(), "the batch committed before the moves");

        Files.delete(clash);
        assertEquals(0, sluice("parse", "--move-concurrency", "8"), err);

        assertTrue(out.contains("resuming batch "), out);
        assertEquals(List.of(), files("landing/pending"));
        assertEquals(30, files("landing/processed").size());
        assertEquals(60, stageRows().size(), "every record once");
        assertEquals(60, stageRows().stream().distinct().count());
    }

    @Test
    void aKillAfterTheFirstOfManyConcurrentMovesThenARerunMovesTheRestExactlyOnce() throws IOException {
        deliverBacklog(40);
        Checkpoints crash = crashAt("parse.firstMoved");

        assertEquals(1, sluice(crash, "parse", "--move-concurrency", "4"));

        assertTrue(err.contains("simulated crash at parse.firstMoved"), err);
        int movedBeforeTheKill = files("landing/processed").size();
        assertTrue(movedBeforeTheKill >= 1 && movedBeforeTheKill < 40, "moved before the kill: " + movedBeforeTheKill);
        assertEquals(40, movedBeforeTheKill + files("landing/pending").size(), "every file is in one place");

        assertEquals(0, sluice("parse", "--move-concurrency", "4", "--report", lake.resolve("report.json").toString()),
                err);

        assertTrue(out.contains("resuming batch "), out);
        List<String> expected = new ArrayList<>();
        for (int f = 1; f <= 40; f++) {
            expected.add("f" + f + "-1 | part-" + f + ".json | 1");
            expected.add("f" + f + "-2 | part-" + f + ".json | 1");
        }
        expected.sort(String::compareTo);
        assertEquals(expected, stageRows(), "every record once, from the one batch");
        List<String> processed = new ArrayList<>();
        for (int f = 1; f <= 40; f++) {
            processed.add("date=D/part-" + f + ".json");
        }
        processed.sort(String::compareTo);
        assertEquals(processed, files("landing/processed"));
        assertEquals(List.of(), files("landing/pending"));
        JsonNode report = JSON.readTree(lake.resolve("report.json").toFile());
        assertEquals(40, report.at("/files/moved").asLong(), "the resumed batch counts every file of its manifest");
        assertEquals(0, report.at("/records/written").asLong(), "the rerun writes no record");
        assertTrue(report.at("/steps/0/details/moveMillis").isIntegralNumber(), report.toString());
    }

    /**
     * 60 lines of JSON lines: a blank line, a broken line, a record without its id, an accented value and a
     * line far longer than a split, so splits start mid-line, on a line start and inside the long line.
     */
    private static String jsonLinesWithDamage() {
        StringBuilder text = new StringBuilder();
        for (int line = 1; line <= 60; line++) {
            if (line == 10) {
                text.append("   \n");
            } else if (line == 20) {
                text.append("{\"event_id\": \"e20\", \"broken\n");
            } else if (line == 30) {
                text.append("{\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{}}\n");
            } else {
                String pad = line == 40 ? "x".repeat(700) : line == 41 ? "ação" : "";
                text.append("{\"event_id\":\"e").append(line).append("\",\"timestamp\":\"2024-03-01T10:00:00Z\",")
                        .append("\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"pad\":\"").append(pad).append("\"}}\n");
            }
        }
        return text.toString();
    }

    /** Every row of a read, positions, reasons and raw text included, sorted: what stage and quarantine get. */
    private static List<String> parsedRows(org.apache.spark.sql.Dataset<Row> parsed) {
        return parsed.where(io.sluice.ingest.ParsedRecords.isRecord())
                .selectExpr("concat_ws(' | ', _source_file, cast(_record_index as string), cast(_record_line as string),"
                        + " coalesce(event_id, '-'), coalesce(_error, '-'), coalesce(_raw, '-'))")
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList().stream().sorted().toList();
    }

    @Test
    void aJsonLinesFileReadInSplitsHasExactlyTheRowsAndPositionsOfAWholeRead() throws IOException {
        // Positions are counted ahead of the read as a record per non-blank line: right for the first text; the
        // second has two values on one line, so the read's own counts correct them.
        String oneValuePerLine = jsonLinesWithDamage();
        String e25 = "{\"event_id\":\"e25\",";
        String otherwise = oneValuePerLine.replace(e25, "{\"event_id\":\"e25b\"} " + e25);
        io.sluice.ingest.RecordTyper typer = Steps.typer(io.sluice.config.ConfigLoader.load("conf/local.yaml")
                .datasets().get("events"));
        Path file = lake.resolve("landing/pending/big.json");
        for (String text : List.of(oneValuePerLine, otherwise)) {
            Files.writeString(file, text);
            long size = Files.size(file);
            List<io.sluice.ingest.FileTask> tasks = List.of(new io.sluice.ingest.FileTask(file.toUri().toString(),
                    "big.json"));
            io.sluice.ingest.ParsedRecords.Read whole = io.sluice.ingest.ParsedRecords.read(SPARK, tasks, List.of(size),
                    typer, Long.MAX_VALUE);
            List<String> expected = parsedRows(whole.rows());
            assertEquals(false, whole.split());
            assertEquals(text == oneValuePerLine ? 59 : 60, expected.size(), "59 records in 60 lines, one blank");
            assertTrue(expected.contains("big.json | 18 | 20 | - | malformed JSON: Illegal unquoted character ((CTRL-CHAR,"
                    + " code 10)): has to be escaped using backslash to be included in name | {\"event_id\": \"e20\", \"broken"),
                    String.join("\n", expected));
            int corrected = 0;
            for (long splitSize : new long[] {97, 256, 1000, size - 1}) {
                io.sluice.ingest.ParsedRecords.Read split = io.sluice.ingest.ParsedRecords.read(SPARK, tasks,
                        List.of(size), typer, splitSize);
                assertTrue(split.split(), "split at " + splitSize);
                org.apache.spark.sql.Dataset<Row> cached = split.rows().cache();
                io.sluice.ingest.ParsedRecords.Positioned positioned = split.positioned(cached);
                assertEquals(expected, parsedRows(positioned.rows()), "split size " + splitSize);
                corrected += positioned.corrected() ? 1 : 0;
                assertEquals(List.of(org.apache.spark.sql.RowFactory.create(-1L, fingerprintOf(file))),
                        cached.where("_record_index = -1").select("_record_line", "_source_fingerprint").collectAsList());
                cached.unpersist();
            }
            assertEquals(text == oneValuePerLine, corrected == 0, "positions corrected at " + corrected + " sizes");
        }
    }

    /** The stage table's data files are under {@code sluice_kind=stage/} and {@code sluice_kind=<kind>/}, some of both. */
    private void assertStageFilesAreStageAnd(String kind) throws IOException {
        List<String> stageFiles = files("stage/events").stream()
                .filter(f -> f.endsWith(".parquet") && !f.contains("/.") && !f.startsWith("_")).toList();
        assertTrue(stageFiles.stream().anyMatch(f -> f.contains("/sluice_kind=" + kind + "/")), stageFiles.toString());
        assertTrue(stageFiles.stream().allMatch(f -> f.contains("/sluice_kind=stage/")
                || f.contains("/sluice_kind=" + kind + "/")), stageFiles.toString());
    }

    private static String fingerprintOf(Path file) throws IOException {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void parseReadsLargeJsonLinesInSplitsWithExactPositionsAndKnowsARedelivery() throws IOException {
        deliver("big.json", jsonLinesWithDamage());
        deliver("array.json", "[\n" + "{\"event_id\":\"a1\",\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\","
                + "\"event_type\":\"b\",\"data\":{}},\n" + "{\"event_id\":\"a2\",\"timestamp\":\"2024-03-01T10:00:00Z\","
                + "\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"pad\":\"" + "y".repeat(400) + "\"}}\n]\n");

        assertEquals(0, sluice("parse", "--split-size", "300"), err);

        List<String> stage = SPARK.read().format("delta").load(lake.resolve("stage/events").toString())
                .selectExpr("concat(_source_file, ':', _record_index, ' ', event_id)").orderBy("_source_file", "_record_index")
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        List<String> expected = new ArrayList<>(List.of("array.json:0 a1", "array.json:1 a2"));
        for (int line = 1; line <= 60; line++) {
            if (line != 10 && line != 20 && line != 30) {
                expected.add("big.json:" + (line < 10 ? line - 1 : line - 2) + " e" + line);
            }
        }
        assertEquals(expected, stage);
        // The later splits' records were written once, with the positions counted ahead of the read, and committed.
        assertStageFilesAreStageAnd("shifted");
        List<String> quarantined = SPARK.read().format("delta").load(lake.resolve("quarantine/events").toString())
                .selectExpr("concat(source_file, ':', record_index, '@', record_line, ' ', reason)").orderBy("record_line")
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        assertEquals(List.of("big.json:18@20 malformed JSON: Illegal unquoted character ((CTRL-CHAR, code 10)): has to be"
                        + " escaped using backslash to be included in name",
                "big.json:28@30 missing required field 'event_id'"), quarantined);

        deliver("big again.json", jsonLinesWithDamage());
        assertEquals(0, sluice("parse", "--split-size", "300"), err);
        assertTrue(out.contains("pending/big again.json was already ingested by batch"), out);
        assertEquals(expected.size(), SPARK.read().format("delta").load(lake.resolve("stage/events").toString()).count());
    }

    @Test
    void splitPositionsCountedWrongAheadOfTheReadAreCorrectedBeforeTheCommit() throws IOException {
        // Two values on line 25: the count ahead of the read (a record per non-blank line) is one short after it.
        deliver("big.json", jsonLinesWithDamage().replace("{\"event_id\":\"e25\",",
                "{\"event_id\":\"e25b\",\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\","
                        + "\"data\":{}} {\"event_id\":\"e25\","));

        assertEquals(0, sluice("parse", "--split-size", "300"), err);

        List<String> stage = SPARK.read().format("delta").load(lake.resolve("stage/events").toString())
                .selectExpr("concat(_record_index, ' ', event_id)").orderBy("_record_index")
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        List<String> expected = new ArrayList<>();
        long index = 0;
        for (int line = 1; line <= 60; line++) {
            if (line == 25) {
                expected.add(index++ + " e25b");
            }
            if (line != 10 && line != 20 && line != 30) {
                expected.add(index + " e" + line);
            }
            index += line == 10 ? 0 : 1;
        }
        assertEquals(expected, stage);
        assertStageFilesAreStageAnd("corrected");
        assertEquals(List.of("big.json:18@20", "big.json:29@30"), SPARK.read().format("delta")
                .load(lake.resolve("quarantine/events").toString())
                .selectExpr("concat(source_file, ':', record_index, '@', record_line)").orderBy("record_line")
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    }

    @Test
    void aTruncatedGzipKeepsTheRecordsBeforeTheCutAndQuarantinesTheRest() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            text.append("{\"event_id\":\"g").append(i).append("\",\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\",")
                    .append("\"event_type\":\"b\",\"data\":{\"n\":\"").append(Integer.toHexString(i * 7919)).append("\"}}\n");
        }
        java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(zipped)) {
            gzip.write(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Files.write(lake.resolve("landing/pending/cut.json.gz"), java.util.Arrays.copyOf(zipped.toByteArray(), zipped.size() / 2));

        assertEquals(0, sluice("parse"), err);

        List<Row> quarantined = SPARK.read().format("delta").load(lake.resolve("quarantine/events").toString())
                .select("record_index", "record_line", "reason").collectAsList();
        assertEquals(1, quarantined.size());
        long kept = quarantined.get(0).getLong(0);
        assertTrue(kept > 1000 && kept < 5000, "records before the cut: " + kept);
        assertEquals(kept + 1, quarantined.get(0).getLong(1));
        assertTrue(quarantined.get(0).getString(2).matches("corrupt gzip after [0-9]+ uncompressed bytes: Unexpected end"
                + " of ZLIB input stream; the records before the damage were kept, the rest of the file cannot be read"),
                quarantined.get(0).getString(2));
        List<String> stage = SPARK.read().format("delta").load(lake.resolve("stage/events").toString())
                .selectExpr("concat(_record_index, ' ', event_id)").as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList().stream().sorted(java.util.Comparator.comparingLong(r -> Long.parseLong(r.split(" ")[0])))
                .toList();
        assertEquals(java.util.stream.LongStream.range(0, kept).mapToObj(i -> i + " g" + i).toList(), stage);
        assertTrue(out.contains("pending/cut.json.gz: corrupt gzip after "), out);
        assertEquals(List.of("date=D/cut.json.gz"), files("landing/processed"));
    }

    @Test
    void aSecondRunOnTheSameLandingFailsWithAClearMessage() throws IOException {
        deliver(Path.of("sample-data/events"));
        Files.createDirectories(lake.resolve("landing/_sluice"));
        Files.writeString(lake.resolve("landing/_sluice/parse-events.lock"), "{\"step\":\"parse\",\"token\":\"x\","
                + "\"acquiredAt\":\"" + Instant.now() + "\",\"owner\":\"1@another-host\"}");

        assertEquals(1, sluice("parse"));

        assertTrue(err.startsWith("error: another parse run holds the lock " + lake.toUri().toString().replace("file:///", "file:/")
                + "landing/_sluice/parse-events.lock since "), err);
        assertTrue(err.contains("(owner 1@another-host); wait for it to finish. If it died, delete that file"), err);
        assertEquals(6, files("landing/pending").size());
    }

    @Test
    void tooManyBadRecordsFailBeforeAnythingIsCommitted() throws IOException {
        deliver("bad.json", "{\"event_id\":\"ok\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{}}\n"
                + "not json\n{\"no\":\"id\"}\n");

        assertEquals(1, sluice("parse", "--max-bad-ratio", "0.5"));

        assertTrue(err.contains("2 of 3 records (66.7%) are bad, above --max-bad-ratio 0.500; nothing was committed"), err);
        assertEquals(List.of("bad.json"), files("landing/pending"));
        assertEquals(false, Files.exists(lake.resolve("stage/events")));
    }

    @Test
    void usageAndConfigErrorsExitWithTwoAndNameTheProblem() {
        assertEquals(2, sluice("parse", "--max-bad-ratio", "1.5"));
        assertTrue(err.startsWith("--max-bad-ratio must be between 0 and 1, got 1.5"), err);
        assertTrue(err.contains("Usage: sluice parse"), err);
        assertEquals(2, sluice("parse", "--dataset", "nope"));
        assertTrue(err.startsWith("error: dataset 'nope' is not defined in the config; known datasets: [events"), err);
        assertEquals(2, sluice("parse", "--config", "missing.yaml"));
        assertTrue(err.startsWith("error: config file missing.yaml does not exist; pass --config FILE"), err);
    }
}
