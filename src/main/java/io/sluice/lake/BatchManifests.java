package io.sluice.lake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.storage.Storage;
import io.sluice.storage.StorageException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The manifests of one dataset's parse batches, kept under {@code <stage>/_sluice/<dataset>/batches/}. */
public final class BatchManifests {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Storage storage;
    private final String dir;

    public BatchManifests(Storage storage, String stageRoot, String dataset) {
        this.storage = storage;
        this.dir = storage.resolve(stageRoot, "_sluice/" + dataset + "/batches");
    }

    public List<BatchManifest> all() {
        List<BatchManifest> manifests = new ArrayList<>();
        for (var file : storage.listFiles(dir)) {
            if (file.relativePath().endsWith(".json")) {
                String text = storage.read(file.uri()).orElseThrow();
                try {
                    manifests.add(JSON.readValue(text, BatchManifest.class));
                } catch (JsonProcessingException e) {
                    throw new StorageException("batch manifest " + file.uri() + " is unreadable ("
                            + e.getOriginalMessage() + "); restore it from the stage zone's backup or remove it"
                            + " after checking which files of that batch reached stage", e);
                }
            }
        }
        manifests.sort(Comparator.comparingLong(BatchManifest::seq));
        return manifests;
    }

    public List<BatchManifest> unfinished() {
        return all().stream().filter(m -> m.status() != BatchManifest.Status.DONE).toList();
    }

    public long lastSeq() {
        return all().stream().mapToLong(BatchManifest::seq).max().orElse(0);
    }

    /** Sequence numbers of batches whose stage data is committed, ascending. */
    public List<Long> committedSeqs() {
        return all().stream().filter(m -> m.status() != BatchManifest.Status.PLANNED)
                .map(BatchManifest::seq).toList();
    }

    public Optional<BatchManifest> find(long seq) {
        return storage.read(path(seq)).map(text -> {
            try {
                return JSON.readValue(text, BatchManifest.class);
            } catch (JsonProcessingException e) {
                throw new StorageException("batch manifest " + path(seq) + " is unreadable", e);
            }
        });
    }

    public void save(BatchManifest manifest) {
        try {
            storage.write(path(manifest.seq()), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(manifest));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise batch manifest " + manifest.seq(), e);
        }
    }

    private String path(long seq) {
        return storage.resolve(dir, String.format("%012d.json", seq));
    }
}
