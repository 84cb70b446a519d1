package io.sluice.config;

import java.time.Duration;

/**
 * Settings of {@code parse}.
 *
 * @param lockTimeout age after which another run's landing lock counts as abandoned (ISO-8601, e.g. PT2H)
 * @param maxBadRatio fail the run, before committing, when quarantined records exceed this share; absent is off
 * @param maxFiles most landing files in one batch
 * @param maxBytes most bytes (as stored) in one batch, e.g. {@code 2g}, {@code 512m} or a plain number; a single
 *     larger file is a batch of its own
 * @param maxBatches most batches one run commits before it stops, resumed ones included; absent is until pending
 *     is empty
 * @param splitSize uncompressed JSON-lines files larger than this are read in splits of this size, in parallel
 * @param moveConcurrency most moves (and existence checks) of a batch's files in flight at once
 */
public record ParseSettings(String lockTimeout, Double maxBadRatio, Integer maxFiles, String maxBytes,
                            Integer maxBatches, String splitSize, Integer moveConcurrency) {

    /** Default of {@link #lockTimeout}. */
    public static final String LOCK_TIMEOUT_DEFAULT = "PT2H";
    /** Default of {@link #maxFiles}: the moves and the ledger of a batch stay a few minutes of work. */
    public static final int MAX_FILES_DEFAULT = 10_000;
    /** Default of {@link #maxBytes}: a batch is a few minutes of parsing on a small cluster. */
    public static final String MAX_BYTES_DEFAULT = "2g";
    /** Default of {@link #splitSize}: Spark's own {@code spark.sql.files.maxPartitionBytes}. */
    public static final String SPLIT_SIZE_DEFAULT = "128m";
    /**
     * Default of {@link #moveConcurrency}: on S3 a move is three or four requests of tens of milliseconds each, and
     * 16 in flight keep a batch's 10,000 moves to seconds; HDFS renames are NameNode calls that take the same
     * concurrency well, and local renames lose nothing by it.
     */
    public static final int MOVE_CONCURRENCY_DEFAULT = 16;
    /** Largest {@link #moveConcurrency}: the connections of a shared S3 client. */
    public static final int MOVE_CONCURRENCY_MAX = 64;

    public ParseSettings {
        lockTimeout = lockTimeout == null ? LOCK_TIMEOUT_DEFAULT : lockTimeout;
        maxFiles = maxFiles == null ? MAX_FILES_DEFAULT : maxFiles;
        maxBytes = maxBytes == null ? MAX_BYTES_DEFAULT : maxBytes;
        splitSize = splitSize == null ? SPLIT_SIZE_DEFAULT : splitSize;
        moveConcurrency = moveConcurrency == null ? MOVE_CONCURRENCY_DEFAULT : moveConcurrency;
    }

    /** Settings with only the lock timeout and the bad-record ratio set; batch limits at their defaults. */
    public ParseSettings(String lockTimeout, Double maxBadRatio) {
        this(lockTimeout, maxBadRatio, null, null, null, null, null);
    }

    public Duration lockTimeoutDuration() {
        return Durations.parse("parse.lockTimeout", lockTimeout);
    }

    /** {@link #maxBytes} in bytes. */
    public long maxBatchBytes() {
        return ByteSizes.parse("parse.maxBytes", maxBytes);
    }

    /** {@link #splitSize} in bytes. */
    public long splitBytes() {
        return ByteSizes.parse("parse.splitSize", splitSize);
    }

    /** These settings with the command line's values where it gave one. */
    public ParseSettings withOverrides(Double ratio, Integer files, String bytes, Integer batches, String split,
                                       Integer moves) {
        return new ParseSettings(lockTimeout, ratio != null ? ratio : maxBadRatio, files != null ? files : maxFiles,
                bytes != null ? bytes : maxBytes, batches != null ? batches : maxBatches,
                split != null ? split : splitSize, moves != null ? moves : moveConcurrency);
    }

    /** @param source where the settings came from, e.g. the config file or {@code --max-files} */
    public void validate(String source) {
        lockTimeoutDuration();
        if (maxBadRatio != null && (maxBadRatio < 0 || maxBadRatio > 1)) {
            throw new ConfigException(source + ": parse.maxBadRatio must be between 0 and 1, got " + maxBadRatio);
        }
        if (maxFiles < 1) {
            throw new ConfigException(source + ": parse.maxFiles must be at least 1, got " + maxFiles);
        }
        if (maxBatchBytes() < 1) {
            throw new ConfigException(source + ": parse.maxBytes must be at least 1 byte, got " + maxBytes);
        }
        if (splitBytes() < 1) {
            throw new ConfigException(source + ": parse.splitSize must be at least 1 byte, got " + splitSize);
        }
        if (maxBatches != null && maxBatches < 1) {
            throw new ConfigException(source + ": parse.maxBatches must be at least 1, got " + maxBatches);
        }
        if (moveConcurrency < 1 || moveConcurrency > MOVE_CONCURRENCY_MAX) {
            throw new ConfigException(source + ": parse.moveConcurrency must be between 1 and " + MOVE_CONCURRENCY_MAX
                    + ", got " + moveConcurrency);
        }
    }
}
