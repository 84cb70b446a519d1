package io.sluice.steps.trusted;

import io.sluice.report.StepResult.RecordCounts;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts of one classification.
 *
 * @param read batch rows that came in, before the batch's own dedup
 * @param collapsed batch rows folded into another row of the same key by the batch's own dedup
 * @param inserted rows of keys new to the table
 * @param updated rows replacing an older version in the table
 * @param stale rows older than the table's version, dropped
 * @param alreadyPresent rows the table holds exactly, dropped
 * @param sameVersionConflicts keys with two different contents under one version (the later ingested won)
 */
public record ActionCounts(long read, long collapsed, long inserted, long updated, long stale, long alreadyPresent,
                           long sameVersionConflicts) {
    public static final ActionCounts NONE = new ActionCounts(0, 0, 0, 0, 0, 0, 0);

    /** Rows written: inserts and updates. */
    public long written() {
        return inserted + updated;
    }

    /** Rows that added nothing: collapsed in the batch, or already in the table. */
    public long duplicates() {
        return collapsed + alreadyPresent;
    }

    /** Counts of {@code action}. */
    public long of(Action action) {
        return switch (action) {
            case INSERT -> inserted;
            case UPDATE -> updated;
            case STALE -> stale;
            case SAME -> alreadyPresent;
        };
    }

    public RecordCounts records() {
        return new RecordCounts(read, read, 0, duplicates(), written());
    }

    /** The report's detail counts, by their published names. */
    public Map<String, Long> details() {
        Map<String, Long> details = new LinkedHashMap<>();
        details.put("inserted", inserted);
        details.put("updated", updated);
        details.put("stale", stale);
        details.put("alreadyPresent", alreadyPresent);
        details.put("sameVersionConflicts", sameVersionConflicts);
        return details;
    }
}
