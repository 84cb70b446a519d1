package io.sluice.cli;

import io.delta.tables.DeltaTable;
import io.sluice.SparkTestSession;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code distribute.targetFileSizeMb}: one file per partition below the target, more above it. */
class FileSizingTest {
    @TempDir
    Path dir;

    @Test
    void aPartitionAboveTheTargetIsSplitAndSmallOnesGetOneFile() throws IOException {
        SluiceCli sluice = withOneMegabyteFiles();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 9000; i++) {
            String day = i < 8990 ? "01" : "02";
            lines.add("{\"event_id\":\"e" + i + "\",\"timestamp\":\"2023-07-" + day + "T10:00:00Z\","
                    + "\"domain\":\"account\",\"event_type\":\"created\",\"data\":{\"n\":" + i + "}}");
        }
        Files.createDirectories(sluice.zone("landing/pending"));
        Files.write(sluice.zone("landing/pending/big.json"), lines);
        assertEquals(0, sluice.run("run"), sluice.err());
        // A new table assumes 256 bytes a row: 1 MB holds 4096 rows, so 8990 rows take 3 files.
        assertEquals(3, filesOfDay(sluice, 1));
        assertEquals(1, filesOfDay(sluice, 2));
    }

    @Test
    void aBatchIntoATableSizesItsFilesByTheTablesBytesPerRow() throws IOException {
        SluiceCli sluice = withOneMegabyteFiles();
        Random random = new Random(7);
        Files.createDirectories(sluice.zone("landing/pending"));
        Files.write(sluice.zone("landing/pending/first.json"), wideEvents(0, "01", random));
        assertEquals(0, sluice.run("run"), sluice.err());
        // Rows of 340 random hex digits take more than the 256 bytes a new table assumes: 4096 rows a file, 3 files.
        assertEquals(3, filesOfDay(sluice, 1));

        Row detail = DeltaTable.forPath(SparkTestSession.get(), sluice.location("trusted/events")).detail()
                .select("sizeInBytes").first();
        long rows = SparkTestSession.get().read().format("delta").load(sluice.location("trusted/events")).count();
        long rowsPerFile = Math.max(1000, 1024L * 1024 / Math.max(1, detail.getLong(0) / rows));
        long expected = (9000 + rowsPerFile - 1) / rowsPerFile;
        assertTrue(expected > 3, "the table's rows take more bytes than the guess: " + detail + " for " + rows);

        sluice.at("2024-06-01T01:00:00Z");
        Files.write(sluice.zone("landing/pending/second.json"), wideEvents(9000, "02", random));
        assertEquals(0, sluice.run("run"), sluice.err());
        assertTrue(sluice.out().contains("key index: added the written rows"), sluice.out());
        // The second batch is classified against the key index; the table's row count comes from what the index
        // recorded, and its bytes per row size the files as a count of the table would.
        assertEquals(expected, filesOfDay(sluice, 2));
    }

    /** A lake whose trusted files target 1 MB. */
    private SluiceCli withOneMegabyteFiles() throws IOException {
        Path config = dir.resolve("sluice.yaml");
        Files.writeString(config, Files.readString(Path.of("conf/local.yaml"))
                .replace("targetFileSizeMb: 128", "targetFileSizeMb: 1"));
        return new SluiceCli(dir.resolve("lake"), "--config", config.toString());
    }

    /** 9000 events from {@code first}, all on {@code day} of July 2023, each with 340 random hex digits. */
    private static List<String> wideEvents(int first, String day, Random random) {
        List<String> lines = new ArrayList<>();
        for (int i = first; i < first + 9000; i++) {
            StringBuilder hex = new StringBuilder();
            for (int d = 0; d < 340; d++) {
                hex.append(Character.forDigit(random.nextInt(16), 16));
            }
            lines.add("{\"event_id\":\"e" + i + "\",\"timestamp\":\"2023-07-" + day + "T10:00:00Z\","
                    + "\"domain\":\"account\",\"event_type\":\"created\",\"data\":{\"s\":\"" + hex + "\"}}");
        }
        return lines;
    }

    /** The data files of July {@code day}'s partition of the trusted table. */
    private static long filesOfDay(SluiceCli sluice, int day) throws IOException {
        return dataFiles(sluice.zone("trusted/events/domain_event_type=account-created/year=2023/month=7/day=" + day));
    }

    private static long dataFiles(Path partition) throws IOException {
        try (Stream<Path> files = Files.list(partition)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".parquet")).count();
        }
    }
}
