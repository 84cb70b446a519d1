package io.sluice.storage;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HadoopStorageTest {
    private final HadoopStorage storage = new HadoopStorage(new Configuration());

    private static void file(Path root, String relative, String text, long modifiedMillis) throws Exception {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.fromMillis(modifiedMillis));
    }

    @Test
    void listsEveryFileOfATreeOnALocalDiskWithItsSizeAndTime(@TempDir Path root) throws Exception {
        file(root, "b.json", "{}", 1_000_000L);
        file(root, "a/x.json", "{\"a\":1}", 2_000_000L);
        file(root, "a/deeper/still/y 100% ação:é=1.json", "[]\n", 3_000_000L);
        file(root, "a/.hidden/z.json", "{}", 4_000_000L);
        Files.createDirectories(root.resolve("empty/dir"));

        List<StoredFile> files = storage.listFiles(root.toString());

        assertEquals(List.of("a/.hidden/z.json", "a/deeper/still/y 100% ação:é=1.json", "a/x.json", "b.json"),
                files.stream().map(StoredFile::relativePath).toList());
        assertEquals(List.of(2L, 3L, 7L, 2L), files.stream().map(StoredFile::size).toList());
        assertEquals(List.of(4_000_000L, 3_000_000L, 2_000_000L, 1_000_000L),
                files.stream().map(StoredFile::modifiedMillis).toList());
        assertEquals(List.of(true, false, false, false), files.stream().map(StoredFile::hidden).toList());
        for (StoredFile file : files) {
            assertEquals(Files.readString(root.resolve(file.relativePath())), storage.read(file.uri()).orElseThrow());
        }
    }

    @Test
    void aFolderThatDoesNotExistHoldsNoFiles(@TempDir Path root) {
        assertEquals(List.of(), storage.listFiles(root.resolve("no/such/folder").toString()));
    }
}
