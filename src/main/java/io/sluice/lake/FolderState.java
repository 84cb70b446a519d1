package io.sluice.lake;

import com.fasterxml.jackson.annotation.JsonProperty;

import static java.util.Objects.requireNonNull;

/**
 * Where the backfill of one history folder stands, as its state file keeps it.
 *
 * @param folder the folder's name under the history source
 * @param status where it stands
 * @param attempts attempts ever started, across runs
 * @param documents documents read by the last attempt that finished
 * @param versionsWritten rows the last finished attempt added to or replaced in the trusted table
 * @param alreadyPresent versions the last finished attempt found in the table already (a re-run, or the pipeline)
 * @param quarantined documents of the folder in quarantine: bad, empty or broken files
 * @param strays stray files skipped, never read as records
 * @param hidden hidden files skipped ('_' or '.' names)
 * @param durationMs duration of the last attempt
 * @param lastError the last failure's message, kept after a successful retry; null when none
 * @param startedAt when the last attempt started (ISO-8601)
 * @param updatedAt when this state was written (ISO-8601)
 * @param finishedAt when the folder was last done (ISO-8601); null until then
 */
public record FolderState(String folder, Status status, int attempts, long documents, long versionsWritten,
                          long alreadyPresent, long quarantined, long strays, long hidden, long durationMs,
                          String lastError, String startedAt, String updatedAt, String finishedAt) {

    /** Where a folder stands. */
    public enum Status {
        /** Not started, or waiting for its next attempt. */
        @JsonProperty("pending") PENDING,
        /** An attempt is under way; left behind by a run that was killed, it is retried. */
        @JsonProperty("running") RUNNING,
        /** Written to the trusted table; skipped by later runs unless forced. */
        @JsonProperty("done") DONE,
        /** Failed permanently or out of attempts; retried by the next run. */
        @JsonProperty("failed") FAILED,
        /** Asked for, or expected by the profile, but absent from the source. */
        @JsonProperty("missing") MISSING
    }

    public FolderState {
        requireNonNull(folder, "folder is null");
        requireNonNull(status, "status is null");
    }

    /** A folder never seen before. */
    public static FolderState initial(String folder) {
        return new FolderState(folder, Status.PENDING, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null);
    }

    /** This state with another status, updated at {@code now}. */
    public FolderState with(Status newStatus, String now) {
        return new FolderState(folder, newStatus, attempts, documents, versionsWritten, alreadyPresent, quarantined,
                strays, hidden, durationMs, lastError, startedAt, now, finishedAt);
    }

    /** The next attempt, started at {@code now}. */
    public FolderState started(String now) {
        return new FolderState(folder, Status.RUNNING, attempts + 1, documents, versionsWritten, alreadyPresent,
                quarantined, strays, hidden, durationMs, lastError, now, now, finishedAt);
    }

    /** The attempt under way failed with {@code error}; {@code newStatus} is pending (a retry follows) or failed. */
    public FolderState failed(Status newStatus, String error, long duration, String now) {
        return new FolderState(folder, newStatus, attempts, documents, versionsWritten, alreadyPresent, quarantined,
                strays, hidden, duration, error, startedAt, now, finishedAt);
    }

    /** The attempt under way finished with these counts. */
    public FolderState done(long docs, long written, long present, long inQuarantine, long strayFiles,
                            long hiddenFiles, long duration, String now) {
        return new FolderState(folder, Status.DONE, attempts, docs, written, present, inQuarantine, strayFiles,
                hiddenFiles, duration, lastError, startedAt, now, now);
    }
}
