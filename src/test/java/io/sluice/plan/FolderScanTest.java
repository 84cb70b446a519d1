package io.sluice.plan;

import io.sluice.config.History;
import io.sluice.storage.HadoopStorage;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FolderScanTest {
    static final History ORDERS = new History("^[0-9A-F]{2}_(CheckoutOrder|FulfillmentOrder)$",
            List.of("{HH}_CheckoutOrder", "{HH}_FulfillmentOrder"), "id");

    @Test
    void reportsFoundMissingAndStrayEntries(@TempDir Path source) throws Exception {
        Files.createDirectories(source.resolve("00_CheckoutOrder/id"));
        Files.createDirectories(source.resolve("00_FulfillmentOrder"));
        Files.createDirectories(source.resolve("FF_CheckoutOrder"));
        Files.createDirectories(source.resolve("tmp"));
        Files.writeString(source.resolve("notes.txt"), "scratch");
        Files.writeString(source.resolve("01_CheckoutOrder"), "a file, not a folder");

        FolderScan scan = FolderScan.of(new HadoopStorage(new Configuration()), source.toString(), ORDERS);

        List<String> missing = new ArrayList<>(ORDERS.expandedExpectedFolders());
        missing.removeAll(List.of("00_CheckoutOrder", "00_FulfillmentOrder", "FF_CheckoutOrder"));
        assertEquals(new FolderScan(source.toString(),
                List.of("00_CheckoutOrder", "00_FulfillmentOrder", "FF_CheckoutOrder"),
                missing,
                List.of("01_CheckoutOrder", "notes.txt", "tmp/")), scan);
        assertEquals(509, scan.missing().size());
        assertEquals("01_CheckoutOrder", scan.missing().get(0));
    }

    @Test
    void anAbsentSourceHasEverythingMissing(@TempDir Path dir) {
        FolderScan scan = FolderScan.of(new HadoopStorage(new Configuration()), dir.resolve("nope").toString(),
                ORDERS);
        assertEquals(List.of(), scan.found());
        assertEquals(512, scan.missing().size());
        assertEquals(List.of(), scan.anomalies());
    }
}
