package io.sluice.lake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.storage.Storage;
import io.sluice.storage.StorageException;

import java.util.Optional;

/** The {@link KafkaRange}s of one dataset's batches, under {@code <stage>/_sluice/<dataset>/kafka/}. */
public final class KafkaRanges {
    static final ObjectMapper JSON = new ObjectMapper();

    private final Storage storage;
    private final String dir;

    public KafkaRanges(Storage storage, String stageRoot, String dataset) {
        this.storage = storage;
        this.dir = storage.resolve(stageRoot, "_sluice/" + dataset + "/kafka");
    }

    public Optional<KafkaRange> find(long seq) {
        return storage.read(path(seq)).map(text -> parse(text, path(seq)));
    }

    /** The range of batch {@code seq}; a batch planned from Kafka without one cannot be finished. */
    public KafkaRange get(long seq) {
        return find(seq).orElseThrow(() -> new StorageException("batch " + seq + " has a manifest but no Kafka range"
                + " at " + path(seq) + "; it was removed by hand. Restore it from the stage zone's backup"));
    }

    public void save(KafkaRange range) {
        storage.write(path(range.seq()), toJson(range));
    }

    /** The range as one line of JSON, as stored and as put into the stage commit's metadata. */
    public static String toJson(KafkaRange range) {
        try {
            return JSON.writeValueAsString(range);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the Kafka range of batch " + range.seq(), e);
        }
    }

    private static KafkaRange parse(String text, String path) {
        try {
            return JSON.readValue(text, KafkaRange.class);
        } catch (JsonProcessingException e) {
            throw new StorageException("Kafka range " + path + " is unreadable (" + e.getOriginalMessage()
                    + "); restore it from the stage zone's backup", e);
        }
    }

    private String path(long seq) {
        return storage.resolve(dir, String.format("%012d.json", seq));
    }
}
