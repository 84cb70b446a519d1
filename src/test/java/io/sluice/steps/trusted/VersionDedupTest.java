package io.sluice.steps.trusted;

import io.sluice.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VersionDedupTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final StructType STAGE = stage("event id", DataTypes.StringType, "ts", DataTypes.TimestampType);
    private static final Timestamp V1 = Timestamp.valueOf("2024-03-01 10:00:00");
    private static final Timestamp V2 = Timestamp.valueOf("2024-03-02 10:00:00");

    private static Row row(String key, Timestamp version, String body, long batch, String file, long index) {
        return RowFactory.create(key, version, body, (long) body.hashCode(), batch, file, index);
    }

    /** key → "body copies tie" of the kept row, by the one pass over sorted rows and by Spark's window: equal. */
    private static Map<String, String> latest(List<Row> rows) {
        Dataset<Row> batch = SPARK.createDataFrame(rows, STAGE);
        Map<String, String> sorted = kept(VersionDedup.latest(batch, List.of("event id"), "ts"));
        assertEquals(kept(VersionDedup.windowed(batch, List.of("event id"), "ts")), sorted, "the window agrees");
        return sorted;
    }

    private static Map<String, String> kept(Dataset<Row> deduped) {
        Map<String, String> kept = new TreeMap<>();
        for (Row r : deduped.collectAsList()) {
            String previous = kept.put(String.valueOf(r.get(0)), r.get(2) + " " + r.getLong(r.fieldIndex("_copies"))
                    + " " + r.getBoolean(r.fieldIndex("_tie")));
            assertEquals(null, previous, "one row per key");
        }
        return kept;
    }

    @Test
    void theGreatestVersionThenTheLatestIngestedRowWinsAndTiesAreNamed() {
        List<Row> rows = new ArrayList<>();
        rows.add(row("newer", V1, "old", 1, "a.json", 0));
        rows.add(row("newer", V2, "new", 1, "a.json", 1));
        rows.add(row("newer", V1, "old", 2, "z.json", 9));
        // Same version, other content: the later batch wins, then the later file name, then the later position.
        rows.add(row("batch", V1, "first", 1, "z.json", 7));
        rows.add(row("batch", V1, "second", 2, "a.json", 0));
        rows.add(row("file", V1, "in-a", 1, "a.json", 3));
        rows.add(row("file", V1, "in-b", 1, "b.json", 0));
        rows.add(row("position", V1, "at-3", 1, "a.json", 3));
        rows.add(row("position", V1, "at-4", 1, "a.json", 4));
        rows.add(row("exact", V1, "same", 1, "a.json", 5));
        rows.add(row("exact", V1, "same", 3, "a.json", 0));
        // Two contents under the older version only: the newer version wins with no tie.
        rows.add(row("old-tie", V1, "x", 1, "a.json", 6));
        rows.add(row("old-tie", V1, "y", 1, "a.json", 7));
        rows.add(row("old-tie", V2, "z", 1, "a.json", 8));
        // A missing version is older than any version, even when ingested later.
        rows.add(row("null", null, "no-version", 2, "z.json", 0));
        rows.add(row("null", V1, "versioned", 1, "a.json", 9));
        rows.add(row("o'k\\ %=/ü", V1, "hostile", 1, "a.json", 10));

        assertEquals(new TreeMap<>(Map.of(
                "newer", "new 3 false",
                "batch", "second 2 true",
                "file", "in-b 2 true",
                "position", "at-4 2 true",
                "exact", "same 2 false",
                "old-tie", "z 3 false",
                "null", "versioned 2 false",
                "o'k\\ %=/ü", "hostile 1 false")), latest(rows));
    }

    @Test
    void aKeyWithOnlyMissingVersionsKeepsTheLatestIngestedRow() {
        assertEquals(Map.of("k", "b 2 true"), latest(List.of(row("k", null, "a", 1, "a.json", 0),
                row("k", null, "b", 1, "a.json", 1))));
    }

    @Test
    void theBatchIsSortedOnceAndNeitherAggregatedNorWindowed() {
        Dataset<Row> rows = SPARK.createDataFrame(List.of(row("k", V1, "a", 1, "a.json", 0),
                row("k", V2, "b", 1, "a.json", 1)), STAGE);
        String plan = VersionDedup.latest(rows, List.of("event id"), "ts").queryExecution().executedPlan()
                .toString();
        assertFalse(plan.contains("Aggregate"), plan);
        assertFalse(plan.contains("Window"), plan);
        assertEquals(1, plan.split("Sort \\[", -1).length - 1, plan);
    }

    @Test
    void noKeyIsOneGroup() {
        Dataset<Row> batch = SPARK.createDataFrame(List.of(row("a", V1, "x", 1, "a.json", 0),
                row("b", V2, "y", 1, "a.json", 1), row("c", V2, "z", 1, "a.json", 2)), STAGE);
        Dataset<Row> deduped = VersionDedup.latest(batch, List.of(), "ts");
        // The pass would take its tasks' rows apart (a repartition by nothing spreads rows round-robin).
        String plan = deduped.queryExecution().executedPlan().toString();
        assertTrue(plan.contains("Window"), plan);
        List<Row> kept = deduped.collectAsList();
        assertEquals(1, kept.size(), kept.toString());
        assertEquals("z 3 true", kept.get(0).get(2) + " " + kept.get(0).getLong(kept.get(0).fieldIndex("_copies"))
                + " " + kept.get(0).getBoolean(kept.get(0).fieldIndex("_tie")));
    }

    @Test
    void aRandomBatchKeepsWhatTheWindowKeeps() {
        // Few keys, versions and contents over many rows: most keys come many times, with ties, missing versions
        // and a missing key; the sort's order of equal rows must not matter.
        Random random = new Random(7);
        String[] keys = {"a", "b", "o'k\\", "%=/", "ü", "", null, "a ", "A"};
        Timestamp[] versions = {V1, V2, null};
        String[] bodies = {"x", "y", "z"};
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String key = i < 2700 ? keys[random.nextInt(keys.length)] : "single-" + i;
            rows.add(row(key, versions[random.nextInt(versions.length)], bodies[random.nextInt(bodies.length)],
                    1 + random.nextInt(3), "f" + random.nextInt(4) + ".json", random.nextInt(50)));
        }
        Map<String, String> kept = latest(rows);
        assertEquals(keys.length + 300, kept.size(), kept.toString());
        assertEquals(3000, kept.values().stream().mapToLong(v -> Long.parseLong(v.split(" ")[1])).sum());
    }

    @Test
    void aFloatingPointKeyIsGroupedAsSparkGroupsIt() {
        StructType stage = stage("k", DataTypes.DoubleType, "v", DataTypes.DoubleType);
        List<Row> rows = List.of(
                RowFactory.create(0.0, 1.0, "zero", 1L, 1L, "a.json", 0L),
                RowFactory.create(-0.0, 1.0, "minus-zero", 2L, 1L, "a.json", 1L),
                RowFactory.create(Double.NaN, -0.0, "nan", 3L, 1L, "a.json", 2L),
                RowFactory.create(Double.NaN, 0.0, "nan-again", 4L, 1L, "a.json", 3L));
        Dataset<Row> batch = SPARK.createDataFrame(rows, stage);
        Map<String, String> kept = kept(VersionDedup.latest(batch, List.of("k"), "v"));
        // Two keys, as Spark groups them: 0.0 with -0.0, NaN with NaN; versions -0.0 and 0.0 are one version.
        assertEquals(Map.of("-0.0", "minus-zero 2 true", "NaN", "nan-again 2 true"), kept);
        assertEquals(kept, kept(VersionDedup.windowed(batch, List.of("k"), "v")));
    }

    @Test
    void aFloatingPointVersionOfATextKeyIsComparedAsSparkOrdersIt() {
        StructType stage = stage("k", DataTypes.StringType, "v", DataTypes.DoubleType);
        List<Row> rows = List.of(
                RowFactory.create("zeros", 0.0, "plus", 1L, 1L, "a.json", 0L),
                RowFactory.create("zeros", -0.0, "minus", 2L, 1L, "a.json", 1L),
                RowFactory.create("nans", Double.NaN, "n1", 3L, 1L, "a.json", 2L),
                RowFactory.create("nans", Double.NaN, "n2", 4L, 1L, "a.json", 3L),
                RowFactory.create("nans", 5.0, "five", 5L, 1L, "a.json", 4L));
        Dataset<Row> batch = SPARK.createDataFrame(rows, stage);
        Map<String, String> kept = kept(VersionDedup.latest(batch, List.of("k"), "v"));
        assertEquals(Map.of("zeros", "minus 2 true", "nans", "n2 3 true"), kept);
        assertEquals(kept, kept(VersionDedup.windowed(batch, List.of("k"), "v")));
    }

    /** Stage rows of one key column, one version column, a body, the payload hash and the ingestion order. */
    private static StructType stage(String key, DataType keyType, String version, DataType versionType) {
        return new StructType()
                .add(key, keyType)
                .add(version, versionType)
                .add("body", DataTypes.StringType)
                .add("_payload_hash", DataTypes.LongType)
                .add("_batch_seq", DataTypes.LongType)
                .add("_source_file", DataTypes.StringType)
                .add("_record_index", DataTypes.LongType);
    }
}
