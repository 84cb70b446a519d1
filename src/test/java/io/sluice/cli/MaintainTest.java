package io.sluice.cli;

import io.sluice.SparkTestSession;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sluice maintain} on tables fragmented by many hourly batches, alone and beside a running distribute. */
class MaintainTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final String EVENT = "{\"event_id\":\"%s\",\"timestamp\":\"%s\",\"domain\":\"%s\",\"event_type\":"
            + "\"%s\",\"data\":{\"n\":%d}}\n";
    private static final List<String> PARTITIONS = List.of("domain_event_type", "year", "month", "day");

    @TempDir
    Path dir;

    private SluiceCli sluice;

    @BeforeEach
    void lake() throws IOException {
        Files.createDirectories(dir.resolve("lake/landing/pending"));
        sluice = new SluiceCli(dir.resolve("lake"));
    }

    /**
     * Events e{from}..e{to-1} at {@code timestamp}, over three days and two types (six partitions).
     *
     * @return each event's id and timestamp
     */
    private Map<String, Instant> deliver(String name, int from, int to, String timestamp) throws IOException {
        StringBuilder lines = new StringBuilder();
        Map<String, Instant> sent = new TreeMap<>();
        for (int i = from; i < to; i++) {
            Instant at = Instant.parse(timestamp).minusSeconds(86_400L * (i % 3));
            lines.append(EVENT.formatted("e" + i, at, "shop", i % 2 == 0 ? "paid" : "sent", i));
            sent.put("e" + i, at);
        }
        Files.writeString(dir.resolve("lake/landing/pending").resolve(name), lines.toString());
        return sent;
    }

    private String trusted() {
        return dir.resolve("lake/trusted/events").toString();
    }

    private Dataset<Row> table() {
        return SPARK.read().format("delta").load(trusted());
    }

    private static List<String> rows(Dataset<Row> table) {
        return table.collectAsList().stream().map(Row::toString).sorted().toList();
    }

    @Test
    void fortyEightHourlyBatchesCompactToAtMostTwoFilesPerPartitionWithTheSameRows() throws Exception {
        deliver("h01.json", 0, 60, "2024-05-03T10:00:00Z");
        assertEquals(0, sluice.run("run"), sluice.err());
        // 46 hours of small writes in the table's own shape, in two commits to keep the test quick:
        // each hour is its own task, so every partition gets a file per hour, as hourly runs leave it.
        Dataset<Row> hours = table().crossJoin(SPARK.range(2, 48).toDF("hour"))
                .withColumn("event_id", concat(col("event_id"), lit("-h"), col("hour")));
        for (Column half : List.of(col("hour").lt(25), col("hour").geq(25))) {
            hours.filter(half).repartition(23, col("hour")).drop("hour")
                    .write().format("delta").mode("append").save(trusted());
        }
        deliver("h48.json", 50, 80, "2024-05-03T11:00:00Z");
        assertEquals(0, sluice.run("run"), sluice.err());
        List<String> before = rows(table());
        long versionBefore = latestVersion();
        List<Row> partitions = table().select(PARTITIONS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new))
                .distinct().collectAsList();
        assertEquals(6, partitions.size());
        assertTrue(filesOf(partitions.get(0)) >= 20, "fragmented before: " + filesOf(partitions.get(0)));

        int widest = widestStage(() -> assertEquals(0, sluice.run("maintain"), sluice.err()));

        assertTrue(sluice.out().contains("compacted into"), sluice.out());
        // VACUUM lists a table's folders in Spark's partition-discovery parallelism, 10,000 tasks by default: minutes
        // of a small machine for five small tables. Maintain lists with two tasks per core; the bound leaves room for
        // Spark's default 200 shuffle partitions.
        assertTrue(widest <= 200, "the widest stage of maintain had " + widest + " tasks");
        for (Row partition : partitions) {
            assertTrue(filesOf(partition) <= 2, partition + " reads " + filesOf(partition) + " files");
        }
        assertEquals(before, rows(table()), "the rows are the same");
        assertEquals(before, rows(SPARK.read().format("delta").option("versionAsOf", versionBefore).load(trusted())),
                "time travel to before the compaction still works: VACUUM kept what the retention protects");
        assertTrue(Files.exists(dir.resolve("lake/trusted/events/_delta_log/_last_checkpoint")));

        assertEquals(0, sluice.run("maintain", "--no-vacuum"), sluice.err());
        assertTrue(!sluice.out().contains("compacted into"), "a second maintain rewrites nothing: " + sluice.out());
    }

    /** The most tasks a stage of {@code work} had. */
    private static int widestStage(Runnable work) throws TimeoutException {
        AtomicInteger widest = new AtomicInteger();
        SparkListener stages = new SparkListener() {
            @Override
            public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
                widest.accumulateAndGet(submitted.stageInfo().numTasks(), Math::max);
            }
        };
        SPARK.sparkContext().addSparkListener(stages);
        try {
            work.run();
            SPARK.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            SPARK.sparkContext().removeSparkListener(stages);
        }
        return widest.get();
    }

    @Test
    void compactionBesideARunningDistributeLosesAndDoublesNothing() throws Exception {
        Map<String, Instant> oracle = new TreeMap<>(deliver("b0.json", 0, 40, "2024-05-03T10:00:00Z"));
        assertEquals(0, sluice.run("run"), sluice.err());
        SluiceCli maintainer = new SluiceCli(dir.resolve("lake")).in(SPARK.newSession());
        CompletableFuture<Void> runs = CompletableFuture.runAsync(() -> {
            for (int b = 1; b <= 4; b++) {
                try {
                    // Newer versions of ten earlier events, and ten new ones.
                    oracle.putAll(deliver("b" + b + ".json", 10 * b, 10 * b + 20, "2024-05-03T1" + b + ":00:00Z"));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                assertEquals(0, sluice.run("run"), sluice.err());
            }
        });
        List<String> failures = new ArrayList<>();
        int maintained = 0;
        while (!runs.isDone()) {
            if (maintainer.run("maintain", "--no-vacuum") != 0) {
                failures.add(maintainer.err());
            }
            maintained++;
        }
        runs.get();

        assertEquals(List.of(), failures);
        assertTrue(maintained >= 1);
        Map<String, Instant> actual = new TreeMap<>();
        for (Row row : table().select(col("event_id"), col("timestamp")).collectAsList()) {
            Instant previous = actual.put(row.getString(0), row.getTimestamp(1).toInstant());
            assertEquals(null, previous, "one row per event: " + row.getString(0));
        }
        assertEquals(oracle, actual);
    }

    @Test
    void aRetentionShorterThanDeltasSafetyCheckIsRefused() {
        assertEquals(2, sluice.run("maintain", "--retain", "PT1H"));

        assertTrue(sluice.err().contains("--retain is PT1H, shorter than the 7 days Delta keeps removed files"),
                sluice.err());
    }

    private long latestVersion() {
        return io.delta.tables.DeltaTable.forPath(SPARK, trusted()).history(1).first().getAs("version");
    }

    /** Files a query of one partition reads. */
    private int filesOf(Row partition) {
        Column match = lit(true);
        for (int i = 0; i < PARTITIONS.size(); i++) {
            match = match.and(col(PARTITIONS.get(i)).eqNullSafe(partition.get(i)));
        }
        return table().filter(match).inputFiles().length;
    }
}
