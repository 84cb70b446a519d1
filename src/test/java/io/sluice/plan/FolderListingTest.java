package io.sluice.plan;

import io.sluice.config.History;
import io.sluice.storage.HadoopStorage;
import io.sluice.storage.StoredFile;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FolderListingTest {
    private static final String ID = "0123456789abcdef0123456789ABCDEF";

    private static void file(Path root, String relative) throws Exception {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{}");
    }

    @Test
    void keepsOnlyFilesDirectlyUnderTheDocumentsFolderOfAnId(@TempDir Path source) throws Exception {
        String folder = "0A_CheckoutOrder";
        file(source, folder + "/" + ID + "/id/a.json");
        file(source, folder + "/" + ID + "/id/pedido #1 100% ação:é.json");
        file(source, folder + "/" + ID + "/id/old/stray.json");
        file(source, folder + "/" + ID + "/id/old/deeper/stray.json");
        file(source, folder + "/" + ID + "/notes.json");
        file(source, folder + "/not-an-id/id/x.json");
        file(source, folder + "/loose.json");
        file(source, folder + "/_SUCCESS");
        file(source, folder + "/" + ID + "/id/.DS_Store");
        file(source, folder + "/" + ID + "/id/_tmp/x.json");

        FolderListing listing = FolderListing.of(new HadoopStorage(new Configuration()), source.toString(), folder,
                FolderScanTest.ORDERS);

        assertEquals(List.of(ID + "/id/a.json", ID + "/id/pedido #1 100% ação:é.json"),
                listing.documents().stream().map(StoredFile::relativePath).toList());
        assertEquals(2, listing.straysUnderDocuments());
        assertEquals(3, listing.straysElsewhere());
        assertEquals(3, listing.hidden());
        assertEquals(List.of(folder + "/" + ID + "/id/old/deeper/stray.json", folder + "/" + ID + "/id/old/stray.json",
                folder + "/" + ID + "/notes.json", folder + "/loose.json", folder + "/not-an-id/id/x.json"),
                listing.examples());
        assertEquals(folder + ": skipped 5 stray file(s), not read as records (2 in subfolders below <id>/id/, 3"
                + " outside <id>/id/), e.g. " + String.join(", ", listing.examples()), listing.describeStrays("id"));
    }

    @Test
    void theIdPatternAndTheDocumentsFolderComeFromTheProfile(@TempDir Path source) throws Exception {
        file(source, "shard-1/order-17/docs/a.json");
        file(source, "shard-1/" + ID + "/id/b.json");
        History history = new History("^shard-[0-9]+$", List.of(), "docs", "^order-[0-9]+$");

        FolderListing listing = FolderListing.of(new HadoopStorage(new Configuration()), source.toString(), "shard-1",
                history);

        assertEquals(List.of("order-17/docs/a.json"), listing.documents().stream().map(StoredFile::relativePath).toList());
        assertEquals(1, listing.straysElsewhere());
        assertEquals("", FolderListing.of(new HadoopStorage(new Configuration()), source.toString(), "absent",
                history).describeStrays("docs"));
    }
}
