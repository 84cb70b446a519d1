package io.sluice.lake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sluice.storage.Storage;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The state files of a dataset's history backfill: one small JSON file per folder,
 * {@code <trusted>/_sluice/<dataset>/backfill/<folder>.json}. One file per folder because each folder has
 * one writer (the run working on it), so runs on different clusters never contend, and a user reads a folder's
 * state with {@code cat} or {@code aws s3 cp}; a shared Delta table would turn every state change of hundreds
 * of concurrent steps into a commit that conflicts with the others.
 */
public final class BackfillStates {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final Storage storage;
    private final String directory;

    public BackfillStates(LakeLayout lake, String dataset) {
        requireNonNull(lake, "lake is null");
        this.storage = lake.storage();
        this.directory = lake.backfillState(requireNonNull(dataset, "dataset is null"));
    }

    /** The URI of {@code folder}'s state file. */
    public String path(String folder) {
        return storage.resolve(directory, folder + ".json");
    }

    /**
     * The state of {@code folder}; {@link FolderState#initial} when it has none, or when its file is
     * unreadable (a write cut short by a kill): re-running a folder is harmless, its rows are deduplicated.
     */
    public FolderState read(String folder) {
        Optional<String> text = storage.read(path(folder));
        if (text.isEmpty()) {
            return FolderState.initial(folder);
        }
        try {
            FolderState state = JSON.readValue(text.get(), FolderState.class);
            return state.folder().equals(folder) ? state : FolderState.initial(folder);
        } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
            return FolderState.initial(folder);
        }
    }

    public void write(FolderState state) {
        try {
            storage.write(path(state.folder()), JSON.writeValueAsString(state));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the backfill state of " + state.folder(), e);
        }
    }
}
