package io.sluice.lake;

import java.util.List;

/**
 * The intent of one parse batch, written before any data: which files, under which sequence number,
 * and how far it got. A run that finds an unfinished manifest finishes it before starting anything new,
 * and Delta's idempotent writes (keyed by {@code seq}) make every repeated commit a no-op.
 *
 * @param seq monotonically increasing batch number of the dataset; the Delta transaction version
 * @param batchId readable id of the batch, in lineage columns
 * @param startedAt when the batch was planned, ISO-8601 UTC; ingestion date and hour derive from it
 * @param status how far the batch got
 * @param files the landing files of the batch, relative to {@code pending/}
 */
public record BatchManifest(long seq, String batchId, String startedAt, Status status, List<ManifestFile> files) {

    /** How far a batch got. */
    public enum Status {
        /** Files chosen; nothing committed yet. */
        PLANNED,
        /** Stage, quarantine and ledger committed; files may still be in pending. */
        COMMITTED,
        /** Every file moved to processed. */
        DONE
    }

    /**
     * One file of a batch.
     *
     * @param path relative to {@code pending/}
     * @param size bytes when planned
     */
    public record ManifestFile(String path, long size) {
    }

    public BatchManifest withStatus(Status newStatus) {
        return new BatchManifest(seq, batchId, startedAt, newStatus, files);
    }

    /** The UTC date of the batch, {@code YYYY-MM-DD}: the processed folder and the stage partition. */
    public String date() {
        return startedAt.substring(0, 10);
    }

    /** The UTC hour of the batch, 0 to 23. */
    public int hour() {
        return Integer.parseInt(startedAt.substring(11, 13));
    }
}
