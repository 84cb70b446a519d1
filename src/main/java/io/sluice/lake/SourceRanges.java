package io.sluice.lake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.storage.Storage;
import io.sluice.storage.StorageException;

import java.util.Optional;

/**
 * The planned source ranges of one dataset's batches ({@link KafkaRange}, {@link JdbcRange}), one JSON file per
 * batch under {@code <stage>/_sluice/<dataset>/<kind>/}, written before the batch reads anything.
 *
 * @param <T> the kind of range
 */
public final class SourceRanges<T> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Storage storage;
    private final String dir;
    private final Class<T> type;

    private SourceRanges(Storage storage, String stageRoot, String dataset, String kind, Class<T> type) {
        this.storage = storage;
        this.dir = storage.resolve(stageRoot, "_sluice/" + dataset + "/" + kind);
        this.type = type;
    }

    /** The Kafka ranges of {@code dataset}. */
    public static SourceRanges<KafkaRange> kafka(Storage storage, String stageRoot, String dataset) {
        return new SourceRanges<>(storage, stageRoot, dataset, "kafka", KafkaRange.class);
    }

    /** The JDBC ranges of {@code dataset}. */
    public static SourceRanges<JdbcRange> jdbc(Storage storage, String stageRoot, String dataset) {
        return new SourceRanges<>(storage, stageRoot, dataset, "jdbc", JdbcRange.class);
    }

    public Optional<T> find(long seq) {
        return storage.read(path(seq)).map(text -> parse(text, path(seq)));
    }

    /** The range of batch {@code seq}; a batch planned from a source without one cannot be finished. */
    public T get(long seq) {
        return find(seq).orElseThrow(() -> new StorageException("batch " + seq + " has a manifest but no source range"
                + " at " + path(seq) + "; it was removed by hand. Restore it from the stage zone's backup"));
    }

    public void save(long seq, T range) {
        storage.write(path(seq), toJson(range));
    }

    /** The range as one line of JSON, as stored and as put into the stage commit's metadata. */
    public static String toJson(Object range) {
        try {
            return JSON.writeValueAsString(range);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a source range: " + e.getOriginalMessage(), e);
        }
    }

    private T parse(String text, String path) {
        try {
            return JSON.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new StorageException("source range " + path + " is unreadable (" + e.getOriginalMessage()
                    + "); restore it from the stage zone's backup", e);
        }
    }

    private String path(long seq) {
        return storage.resolve(dir, String.format("%012d.json", seq));
    }
}
