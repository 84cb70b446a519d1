package io.sluice.lake;

import io.sluice.storage.HadoopStorage;
import io.sluice.storage.Storage;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Retiring the manifests of finished batches: which leave, which stay, and what still finds them. */
class BatchManifestsTest {
    @TempDir
    Path dir;

    private final Storage storage = new HadoopStorage(new Configuration());

    private BatchManifests manifests() {
        return new BatchManifests(storage, dir.toString(), "events");
    }

    private static BatchManifest manifest(long seq, BatchManifest.Status status) {
        return new BatchManifest(seq, "b" + seq, "2024-03-01T10:00:00Z", status, List.of());
    }

    private List<String> names(String folder) throws IOException {
        Path path = dir.resolve("_sluice/events").resolve(folder);
        if (!Files.exists(path)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(path)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> !name.startsWith("."))
                    .sorted().toList();
        }
    }

    @Test
    void onlyFinishedConsumedBatchesUpToTheGivenOneLeaveAndNeverTheNewest() throws IOException {
        BatchManifests manifests = manifests();
        manifests.save(manifest(1, BatchManifest.Status.DONE));
        manifests.save(manifest(2, BatchManifest.Status.DONE));
        manifests.save(manifest(3, BatchManifest.Status.COMMITTED));
        for (long seq = 4; seq <= 7; seq++) {
            manifests.save(manifest(seq, BatchManifest.Status.DONE));
        }

        assertEquals(2, manifests.retire(5, seq -> seq != 2, 2), "at most two");
        assertEquals(List.of("000000000001.json", "000000000004.json"), names("batches-retired"));
        assertEquals(1, manifests.retire(5, seq -> seq != 2, 1000), "5; 2 is not consumed, 3 not finished");
        assertEquals(1, manifests.retire(7, seq -> seq != 2, 1000), "6; 7 is the newest");
        assertEquals(1, manifests.retire(7, seq -> true, 1000), "2, consumed now");

        assertEquals(List.of("000000000003.json", "000000000007.json"), names("batches"));
        assertEquals(List.of("000000000001.json", "000000000002.json", "000000000004.json", "000000000005.json",
                "000000000006.json"), names("batches-retired"));
        assertEquals(List.of(3L, 7L), manifests.all().stream().map(BatchManifest::seq).toList());
        assertEquals(7, manifests.lastSeq());
        assertEquals(List.of(7L, 3L, 6L, 5L, 4L, 2L, 1L), manifests.seqsNewestFirst().toList());
    }

    @Test
    void aMoveThatDiedHalfWayIsFinishedAndAnEmptiedFolderStillNumbersTheNextBatch() throws IOException {
        BatchManifests manifests = manifests();
        for (long seq = 1; seq <= 3; seq++) {
            manifests.save(manifest(seq, BatchManifest.Status.DONE));
        }
        Files.createDirectories(dir.resolve("_sluice/events/batches-retired"));
        Files.copy(dir.resolve("_sluice/events/batches/000000000001.json"),
                dir.resolve("_sluice/events/batches-retired/000000000001.json"));

        assertEquals(2, manifests.retire(3, seq -> true, 1000));

        assertEquals(List.of("000000000003.json"), names("batches"));
        assertEquals(List.of("000000000001.json", "000000000002.json"), names("batches-retired"));
        assertEquals(3L, manifests.seqsNewestFirst().findFirst().orElseThrow());
        Files.delete(dir.resolve("_sluice/events/batches/000000000003.json"));
        assertEquals(2, manifests.lastSeq(), "with the folder emptied by hand, the retired manifests still number");
    }
}
