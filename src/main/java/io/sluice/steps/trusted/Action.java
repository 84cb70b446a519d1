package io.sluice.steps.trusted;

/** What the classification decided for one deduplicated batch row, against the table's row of the same key. */
public enum Action {
    /** The table has no row of this key: the row is written. */
    INSERT,
    /** The table's row is older, or of the same version and ingested earlier with other content: replaced. */
    UPDATE,
    /** The table's row is newer, or wins a same-version tie: the batch row is dropped. */
    STALE,
    /** The table holds exactly this row already: nothing to do. */
    SAME;

    /** Whether rows of this action are written to the table. */
    public boolean written() {
        return this == INSERT || this == UPDATE;
    }
}
