package io.sluice.steps;

import io.sluice.SparkTestSession;
import io.sluice.config.ConfigLoader;
import io.sluice.ingest.FileTask;
import io.sluice.ingest.ParsedRecords;
import io.sluice.ingest.ReadTally;
import io.sluice.ingest.RecordTyper;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The counts the writing pass keeps are the counts a query over the written rows gives. */
class ReadTallyTest {
    private static final SparkSession SPARK = SparkTestSession.get();

    @TempDir
    Path dir;

    @Test
    void theTallyOfAWritePassEqualsTheQueriesOverItsRowsAndIsRefusedOnceTheRowsAreReadTwice() throws IOException {
        StringBuilder big = new StringBuilder();
        for (int line = 1; line <= 80; line++) {
            big.append(switch (line % 17) {
                case 3 -> "\n";
                case 5 -> "{\"event_id\": \"broken\n";
                default -> event("b" + line, line % 11 == 0 ? "ação ✓ \"q\" \\\\ %=/" : "p");
            });
        }
        Files.writeString(dir.resolve("big lines.json"), big);
        StringBuilder zipped = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            zipped.append(event("g" + i, Integer.toHexString(i * 7919)));
        }
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gzip)) {
            out.write(zipped.toString().getBytes(StandardCharsets.UTF_8));
        }
        Files.write(dir.resolve("cut.json.gz"), Arrays.copyOf(gzip.toByteArray(), gzip.size() / 2));
        ByteArrayOutputStream latin = new ByteArrayOutputStream();
        latin.write((event("l1", "ok") + event("l2", "ok")).getBytes(StandardCharsets.UTF_8));
        latin.write(new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}', '\n'});
        Files.write(dir.resolve("latin.json"), latin.toByteArray());
        Files.writeString(dir.resolve("empty.json"), "");
        Files.writeString(dir.resolve("small.json"), event("s1", "a") + "nope\n" + event("s2", "b"));
        List<FileTask> tasks = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        for (String name : List.of("big lines.json", "cut.json.gz", "latin.json", "empty.json", "small.json")) {
            tasks.add(new FileTask(dir.resolve(name).toUri().toString(), name));
            sizes.add(Files.size(dir.resolve(name)));
        }
        RecordTyper typer = new RecordTyper(ConfigLoader.load("conf/local.yaml").datasets().get("events"),
                Optional.empty());

        ParsedRecords.Read read = ParsedRecords.read(SPARK, tasks, sizes, typer, 300);
        read.rows().write().parquet(dir.resolve("stored").toString());
        Dataset<Row> stored = SPARK.read().schema(read.rows().schema()).parquet(dir.resolve("stored").toString());
        Optional<ReadTally.Counts> tally = read.tally().complete();

        assertTrue(read.split());
        assertTrue(tally.isPresent(), "every task reported once");
        assertTrue(tally.get().files().get("big lines.json").size() > 3, tally.get().toString());
        List<StageCommit.FileStats> counted = StageCommit.fileStats(stored);
        assertEquals(counted, StageCommit.fileStats(tally.get()));
        assertEquals(List.of("big lines.json", "cut.json.gz", "empty.json", "latin.json", "small.json"),
                counted.stream().map(StageCommit.FileStats::path).toList());
        StageCommit.FileStats small = counted.get(4);
        assertEquals(List.of(2L, 1L), List.of(small.valid(), small.bad()));
        assertTrue(counted.get(1).damage().startsWith("corrupt gzip"), counted.get(1).toString());
        assertTrue(counted.get(3).damage().startsWith("not UTF-8 text from byte offset"), counted.get(3).toString());
        assertEquals(64, counted.get(0).fingerprint().length());
        assertEquals(positions(ParsedRecords.positioned(stored, Optional.empty(), read.predicted()).rows()),
                positions(read.positioned(stored).rows()));

        read.rows().count();
        assertEquals(Optional.empty(), read.tally().complete(), "a second pass over the files doubles no count");
    }

    private static String event(String id, String pad) {
        return "{\"event_id\":\"" + id + "\",\"timestamp\":\"2024-03-01T10:00:00Z\",\"domain\":\"a\","
                + "\"event_type\":\"b\",\"data\":{\"pad\":\"" + pad.replace("\\", "\\\\").replace("\"", "\\\"")
                + "\"}}\n";
    }

    private static List<String> positions(Dataset<Row> rows) {
        return rows.selectExpr("concat_ws(' | ', _source_file, _split, _record_index, _record_line,"
                        + " coalesce(event_id, '-'), coalesce(_error, '-'))")
                .as(Encoders.STRING()).collectAsList().stream().sorted().toList();
    }
}
