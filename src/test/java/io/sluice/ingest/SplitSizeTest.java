package io.sluice.ingest;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The split size of a read follows Spark's rule for its file sources. */
class SplitSizeTest {
    private static final long MB = 1L << 20;
    private static final long OPEN_COST = 4 * MB;

    @Test
    void oneBigFileIsSpreadOverEveryCore() {
        assertEquals(300 * MB / 8, ParsedRecords.splitBytes(128 * MB, 300 * MB, 8, OPEN_COST));
        assertEquals(37 * MB, ParsedRecords.splitBytes(128 * MB, 74 * MB, 2, OPEN_COST));
    }

    @Test
    void aLargeBatchIsCutAtTheConfiguredSize() {
        assertEquals(128 * MB, ParsedRecords.splitBytes(128 * MB, 10_000 * MB, 2, OPEN_COST));
        assertEquals(97, ParsedRecords.splitBytes(97, 10_000 * MB, 2, OPEN_COST));
    }

    @Test
    void smallBatchesAreNeverCutBelowTheOpenCost() {
        assertEquals(OPEN_COST, ParsedRecords.splitBytes(128 * MB, 3 * MB, 2, OPEN_COST));
    }

    @Test
    void noParallelismCountsAsOneCore() {
        assertEquals(10 * MB, ParsedRecords.splitBytes(128 * MB, 10 * MB, 0, OPEN_COST));
    }
}
