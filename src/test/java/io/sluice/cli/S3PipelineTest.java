package io.sluice.cli;

import io.sluice.S3Server;
import io.sluice.SparkJobs;
import io.sluice.SparkTestSession;
import io.sluice.config.Zones;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.ConsumedBatches;
import io.sluice.lake.LakeLayout;
import io.sluice.storage.S3Storage;
import io.sluice.storage.Storages;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;
import software.amazon.awssdk.core.sync.RequestBody;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** parse and distribute with every zone on s3a://, against a real S3 server, crashes between copy and delete included. */
@ExtendWith(S3Server.class)
class S3PipelineTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final String ODD = "a:b%c#d+e?f&g ação.json";
    private static S3Server server;

    private String bucket;
    private String out;
    private String err;

    /** A crash at a named point, as a kill would leave it. */
    static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash(String point) {
            super("simulated crash at " + point);
        }
    }

    @BeforeAll
    static void server(S3Server s3) {
        server = s3;
    }

    @BeforeEach
    void lake() {
        bucket = server.newBucket("lake");
        server.configure(SPARK, bucket);
    }

    private String zone(String name) {
        return "s3a://" + bucket + "/" + name;
    }

    private int sluice(Checkpoints checkpoints, String... args) {
        StringWriter outText = new StringWriter();
        StringWriter errText = new StringWriter();
        CommandLine commandLine = Sluice.commandLine(new Sluice(settings -> SPARK, checkpoints, Clock.systemUTC()));
        commandLine.setOut(new PrintWriter(outText));
        commandLine.setErr(new PrintWriter(errText));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--landing", zone("landing"), "--stage", zone("stage"), "--trusted", zone("trusted"),
                "--quarantine", zone("quarantine")));
        int code = commandLine.execute(all.toArray(String[]::new));
        out = outText.toString();
        err = errText.toString();
        return code;
    }

    private void deliverSamples() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("sample-data/events"))) {
            for (Path file : files.sorted().toList()) {
                server.client().putObject(b -> b.bucket(bucket).key("landing/pending/" + file.getFileName()),
                        RequestBody.fromFile(file));
            }
        }
    }

    private void deliver(String name, String content) {
        server.client().putObject(b -> b.bucket(bucket).key("landing/pending/" + name), RequestBody.fromString(content));
    }

    /** Keys under {@code prefix}, relative, with the processing date replaced by D. */
    private List<String> keys(String prefix) {
        return server.keys(bucket).stream().filter(k -> k.startsWith(prefix))
                .map(k -> k.substring(prefix.length()).replaceAll("date=[0-9-]+", "date=D")).toList();
    }

    private long count(String table) {
        return SPARK.read().format("delta").load(zone(table)).count();
    }

    private List<String> trustedIds() {
        return SPARK.read().format("delta").load(zone("trusted/events")).selectExpr("event_id").orderBy("event_id")
                .as(Encoders.STRING()).collectAsList();
    }

    /**
     * A newer version into a table on S3 moves its row in the batch's one commit, the older row marked by a deletion
     * vector, recorded as a MERGE.
     */
    @Test
    void aNewerVersionReplacesItsRowOnS3InTheBatchsOneCommit() throws Exception {
        String e1 = "{\"event_id\":\"e1\",\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\","
                + "\"event_type\":\"b\",\"data\":{\"v\":1}}\n";
        deliver("b1.json", e1 + e1.replace("e1", "e2"));
        assertEquals(0, sluice(Checkpoints.NONE, "run"), err);
        deliver("b2.json", e1.replace("2024-03-01", "2024-03-05").replace("{\"v\":1}", "{\"v\":2}")
                + e1.replace("e1", "e3"));

        assertEquals(0, sluice(Checkpoints.NONE, "run"), err);

        assertEquals(List.of("e1 5 {\"v\":2}", "e2 1 {\"v\":1}", "e3 1 {\"v\":1}"),
                SPARK.read().format("delta").load(zone("trusted/events"))
                        .selectExpr("concat_ws(' ', event_id, cast(day as string), data)").orderBy("event_id")
                        .as(Encoders.STRING()).collectAsList());
        org.apache.spark.sql.Row last = io.delta.tables.DeltaTable.forPath(SPARK, zone("trusted/events")).history(1)
                .selectExpr("version", "operation", "operationMetrics").first();
        assertEquals(1L, last.getLong(0), "the batch is one commit");
        assertEquals("MERGE", last.getString(1));
        java.util.Map<String, String> metrics = last.getJavaMap(2);
        assertEquals(List.of("1", "1", "1"), List.of(metrics.get("numTargetRowsUpdated"),
                metrics.get("numTargetRowsInserted"), metrics.get("numTargetDeletionVectorsAdded")), metrics.toString());

        // The consumed batches, summarized on S3 as of the ledger's newest commit, answer without a Spark job.
        LakeLayout lake = new LakeLayout(new Zones(zone("landing"), zone("stage"), zone("trusted"),
                zone("quarantine"), zone("gold")), Storages.open(SPARK.sessionState().newHadoopConf(), point -> { }));
        AtomicReference<Set<Long>> consumed = new AtomicReference<>();
        assertEquals(0, SparkJobs.startedDuring(SPARK, () -> consumed.set(
                new ConsumedBatches(SPARK, lake, "events").seqs())));
        assertEquals(Set.of(1L, 2L), consumed.get());
    }

    @Test
    void parseAndDistributeWithEveryZoneOnS3() throws IOException {
        deliverSamples();
        deliver("empty file.json", "");
        deliver(ODD, "{\"event_id\":\"odd-1\",\"timestamp\":\"2024-01-31T23:30:00-03:00\","
                + "\"domain\":\"x\",\"event_type\":\"y\",\"data\":{\"id\":1}}");

        assertEquals(0, sluice(Checkpoints.NONE, "parse"), err);
        assertEquals(0, sluice(Checkpoints.NONE, "distribute"), err);

        List<String> ids = trustedIds();
        assertEquals(31, ids.size());
        assertEquals(31, ids.stream().distinct().count());
        assertTrue(ids.contains("odd-1"), ids.toString());
        assertEquals("1706754600000000 x-y/2024/2/1", SPARK.read().format("delta").load(zone("trusted/events"))
                .where("event_id = 'odd-1'").selectExpr("concat(unix_micros(timestamp), ' ', domain_event_type, '/',"
                        + " year, '/', month, '/', day)").as(Encoders.STRING()).first(), "2024-02-01T02:30:00Z");
        assertEquals(39, count("stage/events"));
        assertEquals(List.of(
                "concat_100%_done.json:1", "orders feed 2023-07-25T16:30:00+00:00 #1.ndjson:4",
                "orders feed 2023-07-25T16:30:00+00:00 #1.ndjson:6"),
                SPARK.read().format("delta").load(zone("quarantine/events"))
                        .selectExpr("concat(source_file, ':', record_line)").orderBy("source_file", "record_line")
                        .as(Encoders.STRING()).collectAsList());
        assertEquals(List.of("date=D/" + ODD, "date=D/concat_100%_done.json", "date=D/empty file.json",
                "date=D/fake_events.json", "date=D/fake_events_20230725162933.json", "date=D/fake_events_20230725162938.json",
                "date=D/late batch ação.json.gz", "date=D/orders feed 2023-07-25T16:30:00+00:00 #1.ndjson"),
                keys("landing/processed/"));
        assertEquals(List.of(), keys("landing/pending/"));
        assertEquals(List.of(), keys("landing/_sluice/"), "the parse lock is released");
    }

    @Test
    void twoHundredFilesMoveEightAtATimeEachExactlyOnce() throws IOException {
        List<String> expectedRows = new ArrayList<>();
        List<String> expectedFiles = new ArrayList<>();
        for (int f = 1; f <= 200; f++) {
            String name = String.format("part-%03d.json", f);
            deliver(name, "{\"event_id\":\"e" + f + "\",\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\","
                    + "\"event_type\":\"b\",\"data\":{\"n\":" + f + "}}\n");
            expectedRows.add("e" + f + " | " + name + " | 1");
            expectedFiles.add("date=D/" + name);
        }
        expectedRows.sort(String::compareTo);

        assertEquals(0, sluice(Checkpoints.NONE, "parse", "--move-concurrency", "8"), err);

        assertEquals(expectedFiles, keys("landing/processed/"));
        assertEquals(List.of(), keys("landing/pending/"));
        assertEquals(expectedRows, SPARK.read().format("delta").load(zone("stage/events"))
                .selectExpr("concat(event_id, ' | ', _source_file, ' | ', _batch_seq)").orderBy("event_id")
                .as(Encoders.STRING()).collectAsList());
        assertTrue(out.contains("files: 200 seen, 200 parsed, 200 moved, 0 skipped | records: 200 read, 200 valid,"
                + " 0 quarantined, 0 duplicates, 200 written"), out);
        assertTrue(out.contains("moveMillis="), out);
    }

    @Test
    void aCrashBetweenCopyAndDeleteThenARerunLosesAndDuplicatesNothing() throws IOException {
        deliverSamples();
        Checkpoints crash = name -> {
            if (name.equals(S3Storage.MOVE_COPIED)) {
                throw new SimulatedCrash(name);
            }
        };

        assertEquals(1, sluice(crash, "parse"));

        assertTrue(err.contains("simulated crash at " + S3Storage.MOVE_COPIED), err);
        // Moves run concurrently: each one in flight copied its file, then died before the delete.
        List<String> processed = keys("landing/processed/");
        assertTrue(!processed.isEmpty(), processed.toString());
        for (String file : processed) {
            String copied = file.substring("date=D/".length());
            assertTrue(keys("landing/pending/").contains(copied), "the file is in both places: " + copied);
        }
        assertEquals(6, keys("landing/pending/").size());

        assertEquals(0, sluice(Checkpoints.NONE, "parse"), err);
        assertEquals(0, sluice(Checkpoints.NONE, "distribute"), err);

        assertEquals(30, trustedIds().size());
        assertEquals(30, trustedIds().stream().distinct().count());
        assertEquals(38, count("stage/events"), "every good record once");
        assertEquals(3, count("quarantine/events"));
        assertEquals(6, keys("landing/processed/").size());
        assertEquals(List.of(), keys("landing/pending/"));
    }
}
