package io.sluice.steps.trusted;

import io.delta.tables.DeltaTable;
import io.sluice.config.DatasetProfile;
import io.sluice.config.DistributeSettings;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.DeltaMetadata;
import io.sluice.lake.LakeLayout;
import io.sluice.report.Failures;
import io.sluice.storage.StoredFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Writes stage-shaped rows into a trusted table, deduplicated against the whole table (Delta) or against the
 * partitions the rows land in (Parquet): prepare (dedup the batch, derive partitions) → classify against the
 * table → write the inserts and updates.
 */
public final class TrustedWrite {
    /** Lineage carried from stage into the trusted table. */
    public static final List<String> LINEAGE = TableShape.LINEAGE;
    /** Bytes a row is assumed to take in a table that does not exist yet, for file sizing. */
    private static final long ROW_BYTES_GUESS = 256;
    private static final int CONCURRENT_COMMIT_ATTEMPTS = 3;

    private final SparkSession spark;
    private final LakeLayout lake;
    private final String step;
    private final String table;
    private final DatasetProfile profile;
    private final DistributeSettings settings;
    private final Consumer<String> progress;
    private final TableShape shape;
    private final Checkpoints checkpoints;

    /**
     * @param step name of the writing step in transaction ids and Spark job labels
     * @param table name of the trusted table in the trusted zone
     */
    public TrustedWrite(SparkSession spark, LakeLayout lake, String step, String table, DatasetProfile profile,
                        DistributeSettings settings, Consumer<String> progress) {
        this(spark, lake, step, table, profile, settings, progress, Checkpoints.NONE);
    }

    /**
     * @param checkpoints reached at {@code <step>.trustedClassified}, once the batch is classified against a Delta
     *     table and before it is written, and at {@code <step>.trustedReplaced}, between a write's two commits when it
     *     has both replaced rows and new keys
     */
    public TrustedWrite(SparkSession spark, LakeLayout lake, String step, String table, DatasetProfile profile,
                        DistributeSettings settings, Consumer<String> progress, Checkpoints checkpoints) {
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.spark = requireNonNull(spark, "spark is null");
        this.lake = requireNonNull(lake, "lake is null");
        this.step = requireNonNull(step, "step is null");
        this.table = requireNonNull(table, "table is null");
        this.profile = requireNonNull(profile, "profile is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.progress = requireNonNull(progress, "progress is null");
        this.shape = new TableShape(profile);
    }

    /**
     * What a write did.
     *
     * @param counts rows per action
     * @param landed rows written per partition
     */
    public record Result(ActionCounts counts, List<PartitionRows> landed) {
        public Result {
            landed = List.copyOf(landed);
        }

        /** Human lines for the summary: rows written per partition, the first 25 partitions. */
        public List<String> landedLines(List<String> partitions) {
            List<String> lines = new java.util.ArrayList<>();
            for (PartitionRows partition : landed) {
                if (lines.size() == 25) {
                    lines.add("... and " + (landed.size() - 25) + " more partitions");
                    break;
                }
                lines.add(partition.describe(partitions));
            }
            return lines;
        }
    }

    /**
     * @param stageRows rows shaped like the stage table, lineage included
     * @param stageRowsAtMost at least as many as {@code stageRows}, when known: spares counting the batch
     * @param txnVersion Delta transaction version of the write; empty to write without one (a replay)
     */
    public Result write(Dataset<Row> stageRows, OptionalLong stageRowsAtMost, Optional<Long> txnVersion) {
        for (int attempt = 1; ; attempt++) {
            try {
                return writeOnce(stageRows, stageRowsAtMost, txnVersion);
            } catch (RuntimeException e) {
                if (!Failures.concurrentCommit(e) || attempt == CONCURRENT_COMMIT_ATTEMPTS) {
                    throw e;
                }
                // A compaction (maintain) or another writer committed files this write read: nothing of this
                // attempt was committed, and the transaction id keeps a retry from applying the batch twice.
                progress.accept("trusted: a concurrent commit changed files this write read; classifying again"
                        + " against the new version (" + (attempt + 1) + " of " + CONCURRENT_COMMIT_ATTEMPTS + ")");
            }
        }
    }

    private Result writeOnce(Dataset<Row> stageRows, OptionalLong stageRowsAtMost, Optional<Long> txnVersion) {
        String path = lake.trustedTable(table);
        boolean delta = DeltaTable.isDeltaTable(spark, path);
        boolean hasData = hasData(path);
        boolean parquet = profile.format() == DatasetProfile.TableFormat.PARQUET;
        if (parquet && delta) {
            throw new IllegalStateException("the trusted table " + path + " is a Delta table; it cannot be written"
                    + " as Parquet. Drop --format parquet, or give the Parquet copy its own --trusted zone");
        }
        if (!parquet && !delta && hasData) {
            throw new IllegalStateException("the trusted table " + path + " holds files but no Delta log: it was"
                    + " written as Parquet. Use --format parquet, or convert it once with CONVERT TO DELTA parquet.`"
                    + path + "` PARTITIONED BY (...)");
        }
        Dataset<Row> deduped = shape.prepare(stageRows).persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            // Counted only when there is a table to classify against and no bound within the broadcast's; otherwise
            // the first job that reads the batch fills the cache.
            Classifier classifier = new Classifier(shape, stageRowsAtMost,
                    () -> labelled("deduplicate the batch", deduped::count));
            return write(path, deduped, classifier, txnVersion, delta, hasData, parquet);
        } finally {
            deduped.unpersist();
        }
    }

    private Result write(String path, Dataset<Row> deduped, Classifier classifier, Optional<Long> txnVersion,
                         boolean delta, boolean hasData, boolean parquet) {
        if (parquet) {
            ParquetTableWriter writer = new ParquetTableWriter(spark, shape, path,
                    rowsPerFile(path, 0, Optional.empty()));
            Optional<Dataset<Row>> touched = writer.touchedPartitions(deduped, hasData);
            try (Classification classification = labelled("classify against the table's partitions",
                    () -> classifier.classify(deduped, touched.map(shape::tableKeys), shape.partitions()))) {
                announce(classification, path + " (Parquet, partition overwrite)");
                labelled("write the trusted table", () -> writer.write(classification, touched));
                return new Result(classification.counts(), classification.landed());
            }
        }
        KeyIndex index = settings.keyIndex() ? new KeyIndex(spark, shape, lake.keyIndex(table), path) : null;
        Optional<DeltaMetadata> before = Optional.empty();
        Optional<KeyIndex.Current> indexed = Optional.empty();
        if (index != null && delta) {
            try {
                before = DeltaMetadata.read(spark, path);
                indexed = before.isEmpty() ? Optional.empty() : index.current(before.get());
            } catch (LinkageError e) {
                // Reading the log goes through Delta's own classes, which another Delta build may not have.
                progress.accept("key index: not used with this Delta Lake (" + e + "); classifying against the table");
                index = null;
            } catch (RuntimeException e) {
                // An index that cannot be read is built again after the write.
                progress.accept("key index: cannot be read (" + e.getMessage() + "); classifying against the table");
            }
        }
        Optional<Dataset<Row>> tableKeys = delta ? Optional.of(indexed.map(KeyIndex.Current::rows).orElseGet(
                () -> shape.tableKeys(spark.read().format("delta").load(path)))) : Optional.empty();
        OptionalLong recorded = indexed.map(KeyIndex.Current::tableRows).orElse(OptionalLong.empty());
        long tableRows = !delta ? 0 : recorded.isPresent() ? recorded.getAsLong()
                : spark.read().format("delta").load(path).count();
        long rowsPerFile = rowsPerFile(path, tableRows, before);
        DeltaTableWriter writer = new DeltaTableWriter(spark, shape, path, settings.deletionVectors(), rowsPerFile,
                () -> checkpoints.reached(step + ".trustedReplaced"), progress);
        try (Classification classification = labelled("classify against the " + (indexed.isPresent()
                ? "table's key index" : "table"), () -> classifier.classify(deduped, tableKeys, List.of()))) {
            announce(classification, path);
            checkpoints.reached(step + ".trustedClassified");
            Optional<DeltaTableWriter.Txn> txn = txnVersion.map(v -> new DeltaTableWriter.Txn(
                    LakeLayout.txnAppId(step, table), v));
            int commits = labelled("write the trusted table", () -> writer.write(classification, delta, txn));
            if (index != null && (delta || classification.counts().written() > 0)) {
                Optional<Dataset<Row>> written = classification.counts().written() == 0 ? Optional.empty()
                        : Optional.of(classification.written().select(shape.outputColumns(classification.rows())));
                keepIndex(index, before.map(DeltaMetadata::version).orElse(-1L), indexed.isPresent(), tableRows,
                        written, classification.counts().written(), commits, txn);
            }
            return new Result(classification.counts(), classification.landed());
        }
    }

    /**
     * Brings the key index up to the write. The table's commit is done: a failure here leaves the index behind the
     * table, which the next write sees (it classifies against the table, then builds the index again), so it is
     * reported, not thrown.
     */
    private void keepIndex(KeyIndex index, long readVersion, boolean wasCurrent, long rowsBefore,
                           Optional<Dataset<Row>> written, long writtenRows, int commits,
                           Optional<DeltaTableWriter.Txn> txn) {
        try {
            progress.accept(labelled("keep the key index", () -> index.update(readVersion, wasCurrent, rowsBefore,
                    written, writtenRows, commits, txn)));
        } catch (RuntimeException | LinkageError e) {
            progress.accept("key index: not kept up to this write (" + e + "); the next distribute"
                    + " classifies against the table and builds it again");
        }
    }

    private void announce(Classification classification, String where) {
        ActionCounts counts = classification.counts();
        if (counts.written() > 0) {
            progress.accept("trusted: " + counts.inserted() + " new, " + counts.updated() + " newer versions -> "
                    + where);
        }
    }

    /**
     * Rows a file may hold before the write starts another: the target file size over the bytes a row takes in
     * the table (from its log's checksum and {@code tableRows}), or over {@value #ROW_BYTES_GUESS} bytes for a new or
     * empty table. Every partition of a batch below the target gets one file.
     *
     * @param tableRows the rows of the Delta table at {@code path}: as its key index recorded them, else its
     *     metadata-only count (which reads the statistics of every file of the table's state, a cost that grows with
     *     the table); 0 for none
     * @param log the table's log when the caller read it already
     */
    private long rowsPerFile(String path, long tableRows, Optional<DeltaMetadata> log) {
        long target = settings.targetFileSizeMb() * 1024L * 1024L;
        long rowBytes = ROW_BYTES_GUESS;
        if (tableRows > 0) {
            long bytes;
            try {
                bytes = (log.isPresent() ? log : DeltaMetadata.read(spark, path)).map(DeltaMetadata::sizeInBytes)
                        .orElse(0L);
            } catch (LinkageError e) {
                // Another Delta build's log classes (a Databricks runtime): its public table detail instead.
                bytes = DeltaTable.forPath(spark, path).detail().select("sizeInBytes").first().getLong(0);
            }
            if (bytes > 0) {
                rowBytes = Math.max(1, bytes / tableRows);
            }
        }
        return Math.max(1000, target / rowBytes);
    }

    /** Whether {@code path} holds anything but bookkeeping. */
    private boolean hasData(String path) {
        return lake.storage().listNames(path).stream().anyMatch(name -> !StoredFile.isHidden(name));
    }

    /** Runs {@code work} with its Spark jobs shown under this step and {@code what} in the Spark UI. */
    private <T> T labelled(String what, java.util.function.Supplier<T> work) {
        return io.sluice.lake.JobLabels.labelled(spark, step + ": " + what, work);
    }

    private void labelled(String what, Runnable work) {
        labelled(what, () -> {
            work.run();
            return null;
        });
    }
}
