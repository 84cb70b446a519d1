package io.sluice.cli;

import io.sluice.config.ByteSizes;
import io.sluice.config.ConfigException;
import io.sluice.config.ParseSettings;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Options of {@code parse} that {@code run} shares: the bad-record ratio, the size of batches, the moves in flight. */
final class ParseOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--max-bad-ratio", paramLabel = "RATIO",
            description = "Fail before committing when more than RATIO (0..1) of the records are bad (default: off).")
    Double maxBadRatio;

    @Option(names = "--max-files", paramLabel = "N",
            description = "At most N landing files per batch (default: parse.maxFiles, else "
                    + ParseSettings.MAX_FILES_DEFAULT + ").")
    Integer maxFiles;

    @Option(names = "--max-bytes", paramLabel = "SIZE",
            description = "At most SIZE bytes of landing files per batch, e.g. 2g or 512m; a larger file is a batch"
                    + " of its own (default: parse.maxBytes, else " + ParseSettings.MAX_BYTES_DEFAULT + ").")
    String maxBytes;

    @Option(names = "--max-batches", paramLabel = "N",
            description = "Stop after N batches, resumed ones included (default: parse.maxBatches, else until"
                    + " pending is empty).")
    Integer maxBatches;

    @Option(names = "--split-size", paramLabel = "SIZE",
            description = "Read uncompressed JSON-lines files larger than SIZE in splits of at most SIZE, in"
                    + " parallel; smaller when the batch holds less than SIZE per core (default: parse.splitSize, else " + ParseSettings.SPLIT_SIZE_DEFAULT + ").")
    String splitSize;

    @Option(names = "--move-concurrency", paramLabel = "N",
            description = "Move (and look up) at most N landing files at once after a batch commits (1.."
                    + ParseSettings.MOVE_CONCURRENCY_MAX + "; default: parse.moveConcurrency, else "
                    + ParseSettings.MOVE_CONCURRENCY_DEFAULT + ").")
    Integer moveConcurrency;

    @Option(names = "--max-records", paramLabel = "N",
            description = "Kafka sources: at most N records per batch (default: the source's maxRecordsPerBatch, else "
                    + io.sluice.config.Source.MAX_RECORDS_PER_BATCH_DEFAULT + ").")
    Long maxRecords;

    @Option(names = "--full-refresh",
            description = "JDBC sources: read the whole table or query this time, whatever the committed watermark;"
                    + " distribute collapses the rows it already holds by key and version.")
    boolean fullRefresh;

    /** Checks the options alone, before the config is read; a usage error names the option. */
    void validate() {
        if (maxBadRatio != null && (maxBadRatio < 0 || maxBadRatio > 1)) {
            throw new ParameterException(spec.commandLine(), "--max-bad-ratio must be between 0 and 1, got " + maxBadRatio);
        }
        if (maxFiles != null && maxFiles < 1) {
            throw new ParameterException(spec.commandLine(), "--max-files must be at least 1, got " + maxFiles);
        }
        if (maxRecords != null && maxRecords < 1) {
            throw new ParameterException(spec.commandLine(), "--max-records must be at least 1, got " + maxRecords);
        }
        if (maxBatches != null && maxBatches < 1) {
            throw new ParameterException(spec.commandLine(), "--max-batches must be at least 1, got " + maxBatches);
        }
        if (moveConcurrency != null && (moveConcurrency < 1 || moveConcurrency > ParseSettings.MOVE_CONCURRENCY_MAX)) {
            throw new ParameterException(spec.commandLine(), "--move-concurrency must be between 1 and "
                    + ParseSettings.MOVE_CONCURRENCY_MAX + ", got " + moveConcurrency);
        }
        positiveSize("--max-bytes", maxBytes);
        positiveSize("--split-size", splitSize);
    }

    private void positiveSize(String option, String value) {
        if (value == null) {
            return;
        }
        long bytes;
        try {
            bytes = ByteSizes.parse(option, value);
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (bytes < 1) {
            throw new ParameterException(spec.commandLine(), option + " must be at least 1 byte, got " + value);
        }
    }

    /** The config's parse settings with these options applied. */
    ParseSettings applyTo(ParseSettings settings) {
        return settings.withOverrides(maxBadRatio, maxFiles, maxBytes, maxBatches, splitSize, moveConcurrency);
    }
}
