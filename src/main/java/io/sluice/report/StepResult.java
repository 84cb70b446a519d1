package io.sluice.report;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one step of a run did: what came in, what went out, what was rejected, how long it took.
 *
 * @param step the step's name
 * @param dataset the dataset profile
 * @param startedAt when the step started
 * @param durationMs how long it took
 * @param files landing files seen, parsed, moved and skipped
 * @param records records read, valid, quarantined, duplicates and written
 * @param details step-specific counts (stale versions, ties, partitions, batches)
 * @param notes lines for the human summary: skipped files and why, where the output is
 */
public record StepResult(String step, String dataset, Instant startedAt, long durationMs, FileCounts files,
                         RecordCounts records, Map<String, Long> details, List<String> notes) {

    public StepResult {
        details = new LinkedHashMap<>(details);
        notes = List.copyOf(notes);
    }

    /**
     * @param seen found in pending
     * @param parsed read into stage
     * @param moved moved to processed
     * @param skipped not read: hidden names, or content already ingested
     */
    public record FileCounts(long seen, long parsed, long moved, long skipped) {
        public static final FileCounts NONE = new FileCounts(0, 0, 0, 0);

        public FileCounts plus(FileCounts other) {
            return new FileCounts(seen + other.seen, parsed + other.parsed, moved + other.moved,
                    skipped + other.skipped);
        }
    }

    /**
     * @param read records that came in
     * @param valid usable records
     * @param quarantined records sent to quarantine, with their reason
     * @param duplicates records that added nothing: exact or superseded copies
     * @param written rows written to the step's output
     */
    public record RecordCounts(long read, long valid, long quarantined, long duplicates, long written) {
        public static final RecordCounts NONE = new RecordCounts(0, 0, 0, 0, 0);

        public RecordCounts plus(RecordCounts other) {
            return new RecordCounts(read + other.read, valid + other.valid, quarantined + other.quarantined,
                    duplicates + other.duplicates, written + other.written);
        }
    }
}
