package io.sluice.lake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.storage.Storage;
import io.sluice.storage.StorageException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The manifests of one dataset's parse batches, kept under {@code <stage>/_sluice/<dataset>/batches/}.
 * <p>
 * Every run reads the manifests of that folder, so a batch whose work is over leaves it: once its stage rows are
 * cleaned, {@link #retire} moves its manifest to {@code batches-retired/} beside it. The folder then holds the
 * batches of the stage retention, not of the table's whole history, and a run reads as many manifests in its third
 * year as in its first week.
 */
public final class BatchManifests {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("(\\d{12})\\.json");

    private final Storage storage;
    private final String dir;
    private final String retiredDir;

    public BatchManifests(Storage storage, String stageRoot, String dataset) {
        this.storage = storage;
        this.dir = storage.resolve(stageRoot, "_sluice/" + dataset + "/batches");
        this.retiredDir = storage.resolve(stageRoot, "_sluice/" + dataset + "/batches-retired");
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

    /** The newest batch's sequence number, from the manifests' names; 0 before the first batch. */
    public long lastSeq() {
        List<Long> seqs = seqs(dir);
        // The newest manifest is never retired; the retired folder answers only if the other was emptied by hand.
        return (seqs.isEmpty() ? seqs(retiredDir) : seqs).stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /**
     * Every batch's sequence number, newest first, from the manifests' names: those every run reads, then the retired
     * ones, listed only when the caller reads that far.
     */
    public Stream<Long> seqsNewestFirst() {
        return Stream.of(dir, retiredDir)
                .flatMap(folder -> seqs(folder).stream().sorted(Comparator.reverseOrder()));
    }

    /**
     * Moves out of the folder every run reads the manifests of finished ({@code DONE}) and {@code consumed} batches
     * up to and including {@code through}, the oldest first, at most {@code limit} of them; never the newest batch's,
     * which numbers the next one. A move that died half-way is completed by the next call.
     *
     * @return how many manifests were moved
     */
    public int retire(long through, LongPredicate consumed, int limit) {
        List<Long> seqs = seqs(dir);
        long newest = seqs.stream().mapToLong(Long::longValue).max().orElse(0);
        int moved = 0;
        for (long seq : seqs) {
            if (moved == limit || seq > through || seq == newest) {
                break;
            }
            if (!consumed.test(seq)) {
                continue;
            }
            Optional<BatchManifest> manifest = find(seq);
            if (manifest.isPresent() && manifest.get().status() == BatchManifest.Status.DONE) {
                storage.move(path(seq), storage.resolve(retiredDir, name(seq)));
                moved++;
            }
        }
        return moved;
    }

    /** Sequence numbers of the manifests in {@code folder}, ascending. */
    private List<Long> seqs(String folder) {
        List<Long> seqs = new ArrayList<>();
        for (var file : storage.listFiles(folder)) {
            Matcher name = NAME.matcher(file.relativePath());
            if (name.matches()) {
                seqs.add(Long.parseLong(name.group(1)));
            }
        }
        seqs.sort(Comparator.naturalOrder());
        return seqs;
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
        return storage.resolve(dir, name(seq));
    }

    private static String name(long seq) {
        return String.format("%012d.json", seq);
    }
}
