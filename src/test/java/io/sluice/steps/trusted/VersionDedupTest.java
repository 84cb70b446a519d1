package io.sluice.steps.trusted;

import io.sluice.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class VersionDedupTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final StructType STAGE = new StructType()
            .add("event id", DataTypes.StringType)
            .add("ts", DataTypes.TimestampType)
            .add("body", DataTypes.StringType)
            .add("_payload_hash", DataTypes.LongType)
            .add("_batch_seq", DataTypes.LongType)
            .add("_source_file", DataTypes.StringType)
            .add("_record_index", DataTypes.LongType);
    private static final Timestamp V1 = Timestamp.valueOf("2024-03-01 10:00:00");
    private static final Timestamp V2 = Timestamp.valueOf("2024-03-02 10:00:00");

    private static Row row(String key, Timestamp version, String body, long batch, String file, long index) {
        return RowFactory.create(key, version, body, (long) body.hashCode(), batch, file, index);
    }

    /** key → "body copies tie" of the kept row. */
    private static Map<String, String> latest(List<Row> rows) {
        Dataset<Row> deduped = VersionDedup.latest(SPARK.createDataFrame(rows, STAGE), List.of("event id"), "ts");
        Map<String, String> kept = new TreeMap<>();
        for (Row r : deduped.collectAsList()) {
            String previous = kept.put(r.getString(0), r.getString(2) + " " + r.getLong(r.fieldIndex("_copies"))
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
    void theBatchIsSortedOnceAndNotAggregated() {
        Dataset<Row> rows = SPARK.createDataFrame(List.of(row("k", V1, "a", 1, "a.json", 0)), STAGE);
        String plan = VersionDedup.latest(rows, List.of("event id"), "ts").queryExecution().executedPlan()
                .toString();
        assertFalse(plan.contains("Aggregate"), plan);
        assertEquals(1, plan.split("Sort \\[", -1).length - 1, plan);
    }
}
