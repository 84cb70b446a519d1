package io.sluice.config;

import java.time.Duration;

/**
 * Settings of {@code distribute} and {@code repartition}.
 *
 * @param stageRetention how long distributed stage data is kept for replay (ISO-8601; PT0S deletes it at once)
 * @param targetFileSizeMb size a partition's file may reach before the batch splits it
 * @param deletionVectors let MERGE mark replaced rows instead of rewriting files (Delta readers 3+)
 * @param keyIndex keep the trusted table's key columns in a compact Delta table beside it and classify batches
 *                 against that (Delta tables only)
 */
public record DistributeSettings(String stageRetention, Integer targetFileSizeMb, Boolean deletionVectors,
                                 Boolean keyIndex) {

    /** Default of {@link #stageRetention}: keep a week for replay. */
    public static final String STAGE_RETENTION_DEFAULT = "P7D";
    /** Default of {@link #targetFileSizeMb}. */
    public static final int TARGET_FILE_SIZE_MB_DEFAULT = 128;

    public DistributeSettings {
        stageRetention = stageRetention == null ? STAGE_RETENTION_DEFAULT : stageRetention;
        targetFileSizeMb = targetFileSizeMb == null ? TARGET_FILE_SIZE_MB_DEFAULT : targetFileSizeMb;
        deletionVectors = deletionVectors == null ? Boolean.TRUE : deletionVectors;
        keyIndex = keyIndex == null ? Boolean.TRUE : keyIndex;
    }

    public Duration stageRetentionDuration() {
        return Durations.parse("distribute.stageRetention", stageRetention);
    }

    void validate(String source) {
        if (stageRetentionDuration().isNegative()) {
            throw new ConfigException(source + ": distribute.stageRetention must not be negative");
        }
        if (targetFileSizeMb < 1) {
            throw new ConfigException(source + ": distribute.targetFileSizeMb must be at least 1, got "
                    + targetFileSizeMb);
        }
    }
}
