package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.delta.tables.DeltaTable;
import io.sluice.SparkJobs;
import io.sluice.SparkTestSession;
import org.apache.commons.io.FileUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.util.QueryExecutionListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trusted table's key index: batches classified against it end exactly as batches classified against the table,
 * and a change of the table's rows made outside {@code distribute} is seen, never classified against a stale index.
 */
class KeyIndexTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final String EVENT = "{\"event_id\":\"%s\",\"timestamp\":\"%s\",\"domain\":\"%s\",\"event_type\":"
            + "\"%s\",\"data\":{\"n\":\"%s\"}}\n";
    private static final String AUTO_BROADCAST = "spark.sql.autoBroadcastJoinThreshold";
    private static final List<String> VALUES = List.of("o'brien", "x\\y", "a/b", "100%", "k=v", "zürich",
            "__HIVE_DEFAULT_PARTITION__", "plain");

    @TempDir
    Path dir;

    /** Event {@code i}: its id, and a type and domain from hostile values, at {@code day} of May 2024. */
    private static String event(int i, int day, int hour, String note) {
        return EVENT.formatted(json("e" + i + VALUES.get(i % VALUES.size())),
                "2024-05-%02dT%02d:00:00Z".formatted(day, hour), json(VALUES.get((i + 1) % VALUES.size())),
                json(VALUES.get((i + 2) % VALUES.size())), json(note));
    }

    /** {@code value} as the inside of a JSON string. */
    private static String json(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static void deliver(SluiceCli sluice, String name, String lines) throws IOException {
        Path pending = sluice.zone("landing/pending");
        Files.createDirectories(pending);
        Files.writeString(pending.resolve(name), lines);
    }

    private static List<String> rows(SluiceCli sluice) {
        return SPARK.read().format("delta").load(sluice.location("trusted/events"))
                .select("event_id", "timestamp", "domain", "event_type", "data", "domain_event_type", "year", "month",
                        "day", "_batch_seq", "_source_file", "_record_index")
                .collectAsList().stream().map(Row::toString).sorted().toList();
    }

    /** What the index's latest commit with a record recorded (the figures differ from batch to batch). */
    private static String recordedRows(SluiceCli sluice) {
        return DeltaTable.forPath(SPARK, sluice.location("trusted/_sluice/events/key-index")).history()
                .where(col("userMetadata").isNotNull()).orderBy(col("version").desc())
                .select("userMetadata").first().getString(0);
    }

    /** Three batches: new events; re-sends, newer versions moved to other days, older ones, a tie; newer again. */
    private static List<String> batches() {
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            first.append(event(i, 1 + i % 5, 10, "v1-" + i));
        }
        StringBuilder second = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            second.append(event(i, 1 + i % 5, 10, "v1-" + i));
        }
        for (int i = 10; i < 15; i++) {
            second.append(event(i, 12 + i % 3, 11, "v2-\"moved\"-" + i));
        }
        for (int i = 15; i < 20; i++) {
            second.append(event(i, 1 + i % 5, 9, "older-" + i));
        }
        second.append(event(20, 1, 10, "tie-'later'"));
        for (int i = 40; i < 50; i++) {
            second.append(event(i, 20, 8, "v1-" + i));
        }
        StringBuilder third = new StringBuilder();
        for (int i = 10; i < 15; i++) {
            third.append(event(i, 25, 12, "v3-" + i));
        }
        third.append(event(12, 13, 11, "v2-\"moved\"-12"));
        third.append(event(45, 20, 8, "v1-45"));
        third.append(event(50, 21, 8, "v1-50"));
        return List.of(first.toString(), second.toString(), third.toString());
    }

    @Test
    void batchesClassifiedAgainstTheIndexEndAsBatchesClassifiedAgainstTheTable() throws IOException {
        Path noIndex = dir.resolve("no-index.yaml");
        Files.writeString(noIndex, Files.readString(Path.of("conf/local.yaml"))
                .replace("  keyIndex: true", "  keyIndex: false"));
        SluiceCli indexed = new SluiceCli(dir.resolve("indexed"));
        SluiceCli plain = new SluiceCli(dir.resolve("plain"), "--config", noIndex.toString());
        List<String> batches = batches();
        for (int b = 0; b < batches.size(); b++) {
            for (SluiceCli sluice : List.of(indexed, plain)) {
                sluice.at("2024-06-01T0" + b + ":00:00Z");
                deliver(sluice, "b" + b + ".json", batches.get(b));
                assertEquals(0, sluice.run("run"), sluice.err());
            }
            assertTrue(indexed.out().contains("key index: added the written rows"),
                    "batch " + b + " was classified against a current index: " + indexed.out());
            if (b == 0) {
                // 49 small files beside the first append's: the next append makes 51, and packs them into one.
                String index = indexed.location("trusted/_sluice/events/key-index");
                SPARK.read().format("delta").load(index).crossJoin(SPARK.range(2)).drop("id").repartition(49)
                        .write().format("delta").mode("append").save(index);
            }
            if (b == 1) {
                assertTrue(indexed.out().contains("compacted 51 small files into 1"), indexed.out());
            }
            assertEquals(List.of(50L, 1L, 2L).get(b), DeltaTable.forPath(SPARK, indexed.location(
                    "trusted/_sluice/events/key-index")).detail().first().<Long>getAs("numFiles"), "index files");
            assertFalse(plain.out().contains("key index"), plain.out());
            assertEquals(rows(plain), rows(indexed), "after batch " + b);
            // The table's rows as the index's write recorded them (after the rows added by hand, counted again).
            assertEquals("sluice key index; table rows: " + rows(indexed).size(), recordedRows(indexed),
                    "after batch " + b);
        }
        assertTrue(indexed.out().contains("5 newer versions"), "the third batch replaced rows the second wrote: "
                + indexed.out());
        assertEquals(51, rows(indexed).size());
        assertTrue(Files.exists(indexed.zone("trusted/_sluice/events/key-index/_delta_log")));
    }

    @Test
    void rowsChangedOutsideDistributeAreSeenAndTheIndexIsBuiltAgain() throws IOException {
        SluiceCli sluice = new SluiceCli(dir.resolve("lake"));
        deliver(sluice, "b0.json", batches().get(0));
        assertEquals(0, sluice.run("run"), sluice.err());
        String gone = "e5" + VALUES.get(5);
        DeltaTable.forPath(SPARK, sluice.location("trusted/events")).delete(col("event_id").equalTo(gone));

        // The same event again: the index still lists it, the table no longer does. It must be written.
        sluice.at("2024-06-01T01:00:00Z");
        deliver(sluice, "b1.json", event(5, 1, 10, "v1-5"));
        assertEquals(0, sluice.run("run"), sluice.err());
        assertTrue(sluice.out().contains("1 new, 0 newer versions"), sluice.out());
        assertTrue(sluice.out().contains("key index: built from the table's 40 rows"), sluice.out());
        assertEquals(40, rows(sluice).size());
        assertEquals("sluice key index; table rows: 40", recordedRows(sluice));

        // A compaction changes no rows: the index stays current through it.
        assertEquals(0, sluice.run("maintain"), sluice.err());
        sluice.at("2024-06-01T02:00:00Z");
        deliver(sluice, "b2.json", event(5, 2, 10, "v2-5") + event(60, 3, 10, "v1-60"));
        assertEquals(0, sluice.run("run"), sluice.err());
        assertTrue(sluice.out().contains("1 new, 1 newer versions"), sluice.out());
        assertTrue(sluice.out().contains("key index: added the written rows"), sluice.out());
        assertEquals(41, rows(sluice).size());
        // Carried through maintain's compaction and the MERGE of a newer version: one row more, none deleted.
        assertEquals("sluice key index; table rows: 41", recordedRows(sluice));
    }

    /**
     * A batch is joined to the table's rows of its keys (a few, picked by the broadcast semi-join) by broadcasting
     * those: the batch's rows are not shuffled by their key hashes for a sort-merge join. Spark's automatic broadcast
     * is off here, as it is in effect for a large table, whose index Spark estimates far above its threshold (its
     * adaptive execution then turned the sort-merge join into a broadcast join only after the shuffle was written).
     */
    @Test
    void theBatchMeetsTheTableRowsOfItsKeysWithoutAShuffleOfTheBatch() throws Exception {
        SluiceCli sluice = new SluiceCli(dir.resolve("lake"));
        deliver(sluice, "b0.json", batches().get(0));
        assertEquals(0, sluice.run("run"), sluice.err());
        List<String> plans = new CopyOnWriteArrayList<>();
        QueryExecutionListener listener = new QueryExecutionListener() {
            @Override
            public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
                if (funcName.equals("collectAsList")) {
                    plans.add(qe.executedPlan().toString());
                }
            }

            @Override
            public void onFailure(String funcName, QueryExecution qe, Exception exception) {
            }
        };
        SPARK.listenerManager().register(listener);
        SPARK.conf().set(AUTO_BROADCAST, "-1");
        try {
            sluice.at("2024-06-01T01:00:00Z");
            deliver(sluice, "b1.json", batches().get(1));
            assertEquals(0, sluice.run("run"), sluice.err());
            SPARK.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            SPARK.conf().unset(AUTO_BROADCAST);
            SPARK.listenerManager().unregister(listener);
        }
        assertTrue(sluice.out().contains("10 new, 6 newer versions"), sluice.out());
        List<String> joins = plans.stream().filter(plan -> plan.contains("LeftOuter") && plan.contains("_t_key_hash"))
                .toList();
        assertFalse(joins.isEmpty(), "no query collected the batch joined to the table's rows");
        for (String plan : joins) {
            assertFalse(plan.contains("SortMergeJoin") || plan.contains("hashpartitioning(xxhash64("),
                    "the batch was shuffled by its key hashes: " + plan);
            assertTrue(plan.contains("LeftOuter, BuildRight"), plan);
        }
    }

    /**
     * An index of an earlier layout (the key's values where it now keeps their hashes) is not classified against: the
     * next batch is classified against the table, and the index is built again in the current layout, its version's
     * timestamps as Parquet INT64.
     */
    @Test
    void anIndexOfAnEarlierLayoutIsBuiltAgainFromTheTable() throws IOException {
        SluiceCli sluice = new SluiceCli(dir.resolve("lake"));
        deliver(sluice, "b0.json", batches().get(0));
        assertEquals(0, sluice.run("run"), sluice.err());
        String index = sluice.location("trusted/_sluice/events/key-index");
        List<String> current = List.of(SPARK.read().format("delta").load(index).columns());
        assertTrue(current.contains("_t_key_hash") && current.contains("_t_key_hash2"), current.toString());
        SPARK.read().format("delta").load(index).drop("_t_key_hash", "_t_key_hash2")
                .withColumn("_t_event_id", col("_t_version").cast("string"))
                .write().format("delta").mode("overwrite").option("overwriteSchema", "true").save(index);

        sluice.at("2024-06-01T01:00:00Z");
        deliver(sluice, "b1.json", batches().get(1));
        assertEquals(0, sluice.run("run"), sluice.err());
        assertTrue(sluice.out().contains("10 new, 6 newer versions"), sluice.out());
        assertTrue(sluice.out().contains("key index: built from the table's 50 rows"), sluice.out());
        assertEquals(current, List.of(SPARK.read().format("delta").load(index).columns()));
        for (String file : SPARK.read().format("delta").load(index).inputFiles()) {
            try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
                    new org.apache.hadoop.fs.Path(file), new Configuration()))) {
                assertEquals(PrimitiveType.PrimitiveTypeName.INT64, reader.getFooter().getFileMetaData()
                        .getSchema().getType("_t_version").asPrimitiveType().getPrimitiveTypeName(), file);
            }
        }

        sluice.at("2024-06-01T02:00:00Z");
        deliver(sluice, "b2.json", batches().get(2));
        assertEquals(0, sluice.run("run"), sluice.err());
        assertTrue(sluice.out().contains("1 new, 5 newer versions"), sluice.out());
        assertTrue(sluice.out().contains("key index: added the written rows"), sluice.out());
        assertEquals(51, rows(sluice).size());
    }

    /** Whether one of the jobs deduplicated the batch only to count it. */
    private static boolean counted(List<String> jobs) {
        return jobs.stream().anyMatch(j -> j.contains("deduplicate the batch"));
    }

    @Test
    void aBatchWhoseStageRowsParseCountedIsClassifiedWithoutCountingItAgain() throws Exception {
        SluiceCli sluice = new SluiceCli(dir.resolve("lake"));
        List<String> batches = batches();
        deliver(sluice, "b0.json", batches.get(0));
        assertEquals(0, sluice.run("run"), sluice.err());

        // run: the parse's own commits say how many rows the batch staged.
        sluice.at("2024-06-01T01:00:00Z");
        deliver(sluice, "b1.json", batches.get(1));
        List<String> jobs = SparkJobs.describedDuring(SPARK, () -> assertEquals(0, sluice.run("run"), sluice.err()));
        assertTrue(sluice.out().contains("10 new, 6 newer versions"), sluice.out());
        assertTrue(jobs.stream().anyMatch(j -> j.contains("classify against the table's key index")), jobs.toString());
        assertFalse(counted(jobs), jobs.toString());

        // distribute on its own: the stage commit's entry in the log says it.
        sluice.at("2024-06-01T02:00:00Z");
        deliver(sluice, "b2.json", batches.get(2));
        assertEquals(0, sluice.run("parse"), sluice.err());
        jobs = SparkJobs.describedDuring(SPARK, () -> assertEquals(0, sluice.run("distribute"), sluice.err()));
        assertTrue(sluice.out().contains("1 new, 5 newer versions"), sluice.out());
        assertFalse(counted(jobs), jobs.toString());

        // A batch neither its commit nor the ledger knows (committed by a release that recorded no counts in its
        // commit, into a lake whose ledger was lost): counted before it is classified.
        sluice.at("2024-06-01T03:00:00Z");
        deliver(sluice, "b3.json", event(60, 3, 10, "v1-60") + event(7, 4, 10, "v2-7"));
        assertEquals(0, sluice.run("parse"), sluice.err());
        FileUtils.deleteDirectory(sluice.zone("stage/_sluice/events/files").toFile());
        withoutUserMetadata(latestCommit(sluice.zone("stage/events/_delta_log")));
        jobs = SparkJobs.describedDuring(SPARK, () -> assertEquals(0, sluice.run("distribute"), sluice.err()));
        assertTrue(sluice.out().contains("1 new, 1 newer versions"), sluice.out());
        assertTrue(counted(jobs), jobs.toString());
        assertEquals(52, rows(sluice).size());
        assertEquals("sluice key index; table rows: 52", recordedRows(sluice));
    }

    /** The newest commit file of the Delta log at {@code log}. */
    private static Path latestCommit(Path log) throws IOException {
        try (var files = Files.list(log)) {
            return files.filter(file -> file.getFileName().toString().matches("\\d{20}\\.json")).sorted()
                    .reduce((first, second) -> second).orElseThrow();
        }
    }

    /** Rewrites the commit file {@code commit} with no {@code userMetadata} in its {@code commitInfo}. */
    private static void withoutUserMetadata(Path commit) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder lines = new StringBuilder();
        for (String line : Files.readAllLines(commit)) {
            JsonNode action = json.readTree(line);
            if (action.has("commitInfo")) {
                assertTrue(action.get("commitInfo").has("userMetadata"), line);
                ((ObjectNode) action.get("commitInfo")).remove("userMetadata");
            }
            lines.append(json.writeValueAsString(action)).append('\n');
        }
        Files.writeString(commit, lines);
    }
}
