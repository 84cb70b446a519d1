package io.sluice.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code distribute.targetFileSizeMb}: one file per partition below the target, more above it. */
class FileSizingTest {
    @TempDir
    Path dir;

    @Test
    void aPartitionAboveTheTargetIsSplitAndSmallOnesGetOneFile() throws IOException {
        Path config = dir.resolve("sluice.yaml");
        Files.writeString(config, Files.readString(Path.of("conf/local.yaml"))
                .replace("targetFileSizeMb: 128", "targetFileSizeMb: 1"));
        SluiceCli sluice = new SluiceCli(dir.resolve("lake"), "--config", config.toString());
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
        assertEquals(3, dataFiles(sluice.zone("trusted/events/domain_event_type=account-created/year=2023/month=7/day=1")));
        assertEquals(1, dataFiles(sluice.zone("trusted/events/domain_event_type=account-created/year=2023/month=7/day=2")));
    }

    private static long dataFiles(Path partition) throws IOException {
        try (Stream<Path> files = Files.list(partition)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".parquet")).count();
        }
    }
}
