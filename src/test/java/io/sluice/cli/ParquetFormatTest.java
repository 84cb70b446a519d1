package io.sluice.cli;

import io.sluice.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --format parquet}: dedup scoped to the partitions a batch lands in, and refusal to mix formats. */
class ParquetFormatTest {
    private static final SparkSession SPARK = SparkTestSession.get();

    @TempDir
    Path dir;

    private static String event(String id, String timestamp, String note) {
        return "{\"event_id\":\"" + id + "\",\"timestamp\":\"" + timestamp + "\",\"domain\":\"account\","
                + "\"event_type\":\"updated\",\"data\":{\"note\":\"" + note + "\"}}";
    }

    private void land(SluiceCli sluice, String name, String... lines) throws IOException {
        Path pending = sluice.zone("landing/pending");
        Files.createDirectories(pending);
        Files.write(pending.resolve(name), List.of(lines));
    }

    /** event_id|timestamp|day of every row, sorted. */
    private Map<String, Long> rows(SluiceCli sluice) {
        Map<String, Long> rows = new TreeMap<>();
        for (Row row : SPARK.read().parquet(sluice.zone("trusted/events").toString())
                .selectExpr("concat(event_id, '|', date_format(to_utc_timestamp(timestamp, current_timezone()), 'yyyy-MM-dd HH:mm:ss'), '|', day)").collectAsList()) {
            rows.merge(row.getString(0), 1L, Long::sum);
        }
        return rows;
    }

    @Test
    void parquetDedupsWithinPartitionsAndRerunsAddNothing() throws IOException {
        SluiceCli sluice = new SluiceCli(dir.resolve("lake"));
        land(sluice, "one.json",
                event("e1", "2023-07-01T10:00:00Z", "v1"),
                event("e1", "2023-07-01T10:00:00Z", "v1"),
                event("e2", "2023-07-01T11:00:00Z", "v1"),
                event("e3", "2023-07-02T09:00:00Z", "v2"));
        assertEquals(0, sluice.run("run", "--format", "parquet"), sluice.err());
        assertFalse(Files.exists(sluice.zone("trusted/events/_delta_log")));
        assertEquals(3, rows(sluice).size());

        sluice.at("2019-08-23T11:10:00Z");
        land(sluice, "two.json",
                event("e1", "2023-07-01T12:00:00Z", "v2"),
                event("e2", "2023-07-01T08:00:00Z", "v0"),
                event("e3", "2023-07-03T09:00:00Z", "v3"),
                event("e4", "2023-07-01T13:00:00Z", "v1"));
        assertEquals(0, sluice.run("run", "--format", "parquet"), sluice.err());
        Map<String, Long> expected = new TreeMap<>(Map.of(
                "e1|2023-07-01 12:00:00|1", 1L,
                "e2|2023-07-01 11:00:00|1", 1L,
                "e3|2023-07-02 09:00:00|2", 1L,
                "e3|2023-07-03 09:00:00|3", 1L,
                "e4|2023-07-01 13:00:00|1", 1L));
        assertEquals(expected, rows(sluice));
        assertTrue(sluice.out().contains("stale=1") || sluice.out().contains("stale: 1")
                || sluice.out().matches("(?s).*stale\\D+1.*"), sluice.out());

        // One file per partition, even after a partition was rewritten.
        try (Stream<Path> files = Files.walk(sluice.zone("trusted/events"))) {
            Map<Path, Long> perPartition = new TreeMap<>();
            files.filter(f -> f.toString().endsWith(".parquet"))
                    .forEach(f -> perPartition.merge(f.getParent(), 1L, Long::sum));
            assertEquals(3, perPartition.size(), perPartition.toString());
            assertTrue(perPartition.values().stream().allMatch(n -> n == 1), perPartition.toString());
        }

        assertEquals(0, sluice.run("distribute", "--format", "parquet"), sluice.err());
        assertEquals(expected, rows(sluice));
    }

    @Test
    void formatsAreNeverMixedInOneTable() throws IOException {
        SluiceCli sluice = new SluiceCli(dir.resolve("lake"));
        land(sluice, "one.json", event("e1", "2023-07-01T10:00:00Z", "v1"));
        assertEquals(0, sluice.run("run", "--format", "parquet"), sluice.err());
        land(sluice, "two.json", event("e2", "2023-07-01T10:00:00Z", "v1"));
        assertEquals(1, sluice.run("run"));
        assertTrue(sluice.err().contains("holds files but no Delta log: it was written as Parquet. Use --format"
                + " parquet"), sluice.err());
        assertEquals(1, rows(sluice).size());
    }
}
