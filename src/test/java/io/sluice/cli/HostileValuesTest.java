package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.SparkTestSession;
import io.sluice.lake.SessionConf;
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
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every JSON-legal awkward character in every partition column and in record keys, through several batches
 * whose newer versions move rows between such partitions; the trusted table must equal an oracle computed
 * here without Spark, row for row. For Delta ({@code run}), Parquet ({@code run --format parquet}) and
 * every-version tables ({@code repartition} and {@code backfill-history run}).
 */
class HostileValuesTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Quotes, backslashes, path and URL syntax, whitespace, unicode, SQL, the empty string. */
    static final List<String> HOSTILE = List.of("o'brien", "it's-done", "x\\y", "\\'", "''", "a/b", "q\"uote",
            "eq=ual", "100%", "#hash", "co:lon", "sp ace", "new\nline", "tab\tbed", "ação", "😀 emoji", "",
            "'; DROP TABLE t; --", "007", "2024-01-01", "{brace}", "__HIVE_DEFAULT_PARTITION__");
    private static final int KEYS = 30;
    private static final Instant BASE = Instant.parse("2024-03-01T05:00:00Z");

    @TempDir
    Path dir;

    private SluiceCli sluice;

    /** One event as delivered, and as the table must hold it. */
    record Event(String id, Instant timestamp, String domain, String type, String label) {
        String day() {
            return timestamp.atZone(ZoneOffset.UTC).toLocalDate().toString();
        }

        /**
         * The row the table must hold: an empty partition value is stored as null by every table format, and a
         * value spelled like Hive's default partition reads back as null too, in Delta as in Parquet.
         */
        String row() {
            return String.join(" | ", id, timestamp.toString(), hive(domain), hive(type), day(), label);
        }

        private static String hive(String value) {
            return value.isEmpty() || value.equals("__HIVE_DEFAULT_PARTITION__") ? "null" : value;
        }
    }

    @BeforeEach
    void lake() throws IOException {
        Files.createDirectories(dir.resolve("lake/landing/pending"));
        Path config = dir.resolve("hostile.yaml");
        String fields = """
                    recordKey: [event_id]
                    version: timestamp
                    eventTime: timestamp
                    eventTimeZone: UTC
                    fields: {event_id: string, timestamp: timestamp, domain: string, event_type: string, data: json}
                    required: [event_id, timestamp]
                    derived:
                      day: "cast(_event_date as string)"
                    partitions: [domain, event_type, day]
                """;
        String history = """
                    history:
                      folderPattern: "^[0-9]{2}_hist$"
                      documentsUnder: id
                      idPattern: "^k[0-9]+$"
                """;
        Files.writeString(config, "spark:\n  spark.sql.shuffle.partitions: \"4\"\ndatasets:\n  events:\n    keep: latest\n"
                + fields + "  versions:\n    keep: all-versions\n" + fields + history);
        sluice = new SluiceCli(dir.resolve("lake"), "--config", config.toString());
    }

    /** Three batches: every key new; newer versions moving partitions, stale ones, re-sends; ties and more moves. */
    static List<List<Event>> batches() {
        List<Event> first = new ArrayList<>();
        List<Event> second = new ArrayList<>();
        List<Event> third = new ArrayList<>();
        int n = HOSTILE.size();
        for (int i = 0; i < KEYS; i++) {
            String id = "k" + i + HOSTILE.get(i % n);
            Event v1 = new Event(id, BASE.plus(i * 7L, ChronoUnit.HOURS), HOSTILE.get(i % n), HOSTILE.get((i + 3) % n),
                    "b1-" + i);
            first.add(v1);
            if (i < 24) {
                Event v2 = new Event(id, v1.timestamp().plus(30, ChronoUnit.HOURS), HOSTILE.get((i + 5) % n),
                        HOSTILE.get((i + 7) % n), "b2-" + i);
                second.add(v2);
                if (i < 8) {
                    // Same version, other content, ingested later: the later one wins.
                    third.add(new Event(id, v2.timestamp(), HOSTILE.get((i + 11) % n), v2.type(), "b3-tie-" + i));
                } else if (i < 16) {
                    third.add(new Event(id, v2.timestamp().plus(50, ChronoUnit.HOURS), HOSTILE.get((i + 13) % n),
                            HOSTILE.get((i + 2) % n), "b3-" + i));
                } else if (i < 20) {
                    third.add(v2);
                }
            } else {
                second.add(new Event(id, v1.timestamp().minus(3, ChronoUnit.HOURS), HOSTILE.get((i + 1) % n),
                        HOSTILE.get((i + 9) % n), "b2-stale-" + i));
            }
        }
        second.add(first.get(0));
        second.add(first.get(1));
        // Two versions of one key inside one batch: the newer wins before the table is consulted.
        Event early = second.get(3);
        second.add(new Event(early.id(), early.timestamp().plus(1, ChronoUnit.HOURS), "inside", "batch", "b2-in-3"));
        return List.of(first, second, third);
    }

    /** Latest version per key over every batch in delivery order; on equal versions, the later-ingested wins. */
    static List<String> latestOracle(List<List<Event>> batches) {
        Map<String, Event> latest = new LinkedHashMap<>();
        for (List<Event> batch : batches) {
            for (Event e : batch) {
                latest.merge(e.id(), e, (old, now) -> now.timestamp().isBefore(old.timestamp()) ? old : now);
            }
        }
        return sorted(latest.values());
    }

    /** Every (key, version) once; on the same version, the later-ingested content. */
    static List<String> allVersionsOracle(List<List<Event>> batches) {
        Map<List<Object>, Event> versions = new LinkedHashMap<>();
        batches.forEach(batch -> batch.forEach(e -> versions.put(List.of(e.id(), e.timestamp()), e)));
        return sorted(versions.values());
    }

    /**
     * Parquet's partition-scoped dedup: each batch collapses to its latest version per key, which then replaces
     * the table's row of that key in that partition only when newer (or same version, ingested later).
     */
    static List<String> parquetOracle(List<List<Event>> batches) {
        Map<List<String>, Event> table = new LinkedHashMap<>();
        for (List<Event> batch : batches) {
            Map<String, Event> latest = new LinkedHashMap<>();
            batch.forEach(e -> latest.merge(e.id(), e, (old, now) -> now.timestamp().isBefore(old.timestamp()) ? old : now));
            for (Event e : latest.values()) {
                List<String> at = List.of(e.id(), Event.hive(e.domain()), Event.hive(e.type()), e.day());
                table.merge(at, e, (old, now) -> now.timestamp().isBefore(old.timestamp()) ? old : now);
            }
        }
        return sorted(table.values());
    }

    private static List<String> sorted(java.util.Collection<Event> events) {
        return events.stream().map(Event::row).sorted().toList();
    }

    private static String json(Event e) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        node.put("event_id", e.id());
        node.put("timestamp", e.timestamp().toString());
        node.put("domain", e.domain());
        node.put("event_type", e.type());
        node.putObject("data").put("label", e.label());
        return JSON.writeValueAsString(node);
    }

    private void deliver(int batch, List<Event> events) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (Event e : events) {
            lines.append(json(e)).append('\n');
        }
        Files.writeString(dir.resolve("lake/landing/pending/batch " + batch + " it's \\ 100%.json"), lines);
    }

    private List<String> table(String name, boolean parquet) {
        String path = dir.resolve("lake/trusted").resolve(name).toString();
        Dataset<Row> rows = parquet
                ? SessionConf.with(SPARK, Map.of("spark.sql.sources.partitionColumnTypeInference.enabled", "false"),
                        () -> SPARK.read().parquet(path))
                : SPARK.read().format("delta").load(path);
        List<String> table = new ArrayList<>();
        for (Row row : rows.selectExpr("event_id", "unix_micros(timestamp)", "coalesce(domain, 'null')",
                "coalesce(event_type, 'null')", "day", "get_json_object(data, '$.label')").collectAsList()) {
            Instant timestamp = Instant.EPOCH.plus(row.getLong(1), ChronoUnit.MICROS);
            table.add(String.join(" | ", row.getString(0), timestamp.toString(), row.getString(2), row.getString(3),
                    row.getString(4), row.getString(5)));
        }
        return table.stream().sorted().toList();
    }

    private void runEach(String... command) throws IOException {
        List<List<Event>> batches = batches();
        for (int b = 0; b < batches.size(); b++) {
            deliver(b, batches.get(b));
            assertEquals(0, sluice.run(command), sluice.out() + sluice.err());
        }
    }

    @Test
    void deltaTableEqualsTheOracleAcrossBatches() throws IOException {
        runEach("run");

        List<String> expected = latestOracle(batches());
        assertEquals(KEYS, expected.size());
        assertEquals(expected, table("events", false));

        assertEquals(0, sluice.run("maintain"), sluice.out() + sluice.err());
        assertEquals(expected, table("events", false), "compaction changes no row");
    }

    /**
     * The first write into a new table counts the records it read, the copies it collapsed and the ties it broke, and
     * names every partition it landed in with its rows: hostile text, and null for an empty value or Hive's default
     * name, as the table holds them.
     */
    @Test
    void theFirstWriteCountsItsRowsAndEveryPartitionItLandsIn() throws IOException {
        List<Event> events = new ArrayList<>(batches().get(0).subList(0, HOSTILE.size()));
        events.add(events.get(0));
        events.add(events.get(5));
        Event tied = events.get(7);
        events.add(new Event(tied.id(), tied.timestamp(), tied.domain(), tied.type(), "other content"));
        deliver(0, events);
        Path report = dir.resolve("report.json");

        assertEquals(0, sluice.run("run", "--report", report.toString()), sluice.out() + sluice.err());

        JsonNode distribute = null;
        for (JsonNode step : JSON.readTree(report.toFile()).get("steps")) {
            if (step.get("step").asText().equals("distribute")) {
                distribute = step;
            }
        }
        int keys = HOSTILE.size();
        assertEquals(keys + 3, distribute.get("records").get("read").asLong());
        assertEquals(3, distribute.get("records").get("duplicates").asLong());
        assertEquals(keys, distribute.get("records").get("written").asLong());
        assertEquals(keys, distribute.get("details").get("inserted").asLong());
        assertEquals(1, distribute.get("details").get("sameVersionConflicts").asLong());
        Set<String> landed = new TreeSet<>();
        distribute.get("notes").forEach(note -> landed.add(note.asText()));
        Set<String> expected = new TreeSet<>();
        for (Row row : SPARK.read().format("delta").load(dir.resolve("lake/trusted/events").toString())
                .groupBy("domain", "event_type", "day").count().collectAsList()) {
            expected.add("landed domain=" + row.get(0) + "/event_type=" + row.get(1) + "/day=" + row.get(2) + ": "
                    + row.getLong(3) + " rows");
        }
        assertTrue(expected.size() > 10 && expected.size() <= 25, "every partition is listed: " + expected);
        assertTrue(expected.stream().anyMatch(line -> line.contains("domain=null/")), expected.toString());
        assertEquals(expected, landed);
    }

    @Test
    void parquetTableEqualsItsPartitionScopedOracle() throws IOException {
        runEach("run", "--format", "parquet");

        assertEquals(parquetOracle(batches()), table("events", true));
    }

    @Test
    void everyVersionTableEqualsTheOracleThroughRepartition() throws IOException {
        List<List<Event>> batches = batches();
        for (int b = 0; b < batches.size(); b++) {
            deliver(b, batches.get(b));
            assertEquals(0, sluice.run("parse", "--dataset", "versions"), sluice.out() + sluice.err());
            assertEquals(0, sluice.run("repartition", "--dataset", "versions", "--include-open-hour"),
                    sluice.out() + sluice.err());
        }

        assertEquals(allVersionsOracle(batches), table("versions", false));
    }

    @Test
    void everyVersionTableEqualsTheOracleThroughBackfillHistory() throws IOException {
        // One history folder per batch, one document per event under <folder>/k<n>/id/, run in delivery order.
        List<List<Event>> batches = batches();
        Path source = dir.resolve("history");
        for (int b = 0; b < batches.size(); b++) {
            int document = 0;
            for (Event e : batches.get(b)) {
                String folder = "k" + e.id().substring(1).replaceAll("[^0-9].*", "");
                Path id = source.resolve("%02d_hist".formatted(b)).resolve(folder).resolve("id");
                Files.createDirectories(id);
                Files.writeString(id.resolve("doc-" + document++ + ".json"), json(e));
            }
        }
        for (int b = 0; b < batches.size(); b++) {
            assertEquals(0, sluice.run("backfill-history", "run", "--dataset", "versions", "--source",
                    source.toString(), "--folder", "%02d_hist".formatted(b)), sluice.out() + sluice.err());
        }

        assertEquals(allVersionsOracle(batches), table("versions", false));
    }
}
