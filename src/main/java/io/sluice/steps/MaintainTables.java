package io.sluice.steps;

import io.delta.tables.DeltaTable;
import io.sluice.lake.JobLabels;
import io.sluice.lake.LakeLayout;
import io.sluice.lake.SessionConf;
import io.sluice.report.Failures;
import io.sluice.report.StepResult;
import io.sluice.report.StepResult.FileCounts;
import io.sluice.report.StepResult.RecordCounts;
import io.sluice.steps.trusted.KeyIndex;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.Snapshot;
import scala.Option;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Upkeep of a dataset's Delta tables after months of hourly runs: small files compacted into files of the target
 * size, files no version within the retention needs removed (VACUUM), the log checkpointed.
 * <p>
 * Compaction is Delta's own bin-packing {@code OPTIMIZE}: it rewrites only files below the target size, and only in
 * partitions that hold more than one of them, so its cost is the files written since the last upkeep, whatever the
 * table's size. It commits with {@code dataChange=false}: readers and a running {@code distribute} see the same rows
 * before and after. When a concurrent commit removed files it compacted, the compaction is tried again, then yields;
 * no row is lost or doubled either way.
 */
public final class MaintainTables {
    /** Name of this step in reports. */
    public static final String STEP = "maintain";
    private static final int COMPACTION_ATTEMPTS = 3;
    private static final String MIN_FILE_SIZE = "spark.databricks.delta.optimize.minFileSize";
    private static final String MAX_FILE_SIZE = "spark.databricks.delta.optimize.maxFileSize";
    /**
     * Tasks of VACUUM's listing of the table's folders. Delta spreads the table's first folder level over this many
     * tasks, Spark's default 10,000 whatever the folders: 10,000 tasks per table, minutes of a two-core machine for a
     * table of ten files. Unless the session sets it, the vacuum runs with two tasks per core.
     */
    static final String LISTING_PARALLELISM = "spark.sql.sources.parallelPartitionDiscovery.parallelism";

    /**
     * A Delta table of the dataset.
     *
     * @param role what the table is, for the report
     * @param path where it lives
     * @param compact whether compaction pays: not for stage, whose batches are deleted as units once consumed
     * @param fileSettings Spark settings the table's files are written with (the key index's timestamps)
     */
    public record Table(String role, String path, boolean compact, Map<String, String> fileSettings) {
        public Table(String role, String path, boolean compact) {
            this(role, path, compact, Map.of());
        }
    }

    /** What upkeep did to one table. */
    public record Upkeep(Table table, long filesBefore, long filesAfter, long filesCompacted, long filesWritten,
                         long bytesRewritten, boolean yielded, long version) {
        String describe(Duration retention, boolean vacuumed) {
            StringBuilder line = new StringBuilder(table.role() + " " + table.path() + ": " + filesBefore + " -> "
                    + filesAfter + " files");
            if (yielded) {
                line.append(", compaction yielded to a concurrent commit (nothing lost; run maintain again)");
            } else if (filesCompacted > 0) {
                line.append(", ").append(filesCompacted).append(" compacted into ").append(filesWritten).append(" (")
                        .append(bytesRewritten).append(" bytes rewritten)");
            }
            if (vacuumed) {
                line.append(", vacuumed with a retention of ").append(retention);
            }
            return line.append(", log checkpointed at version ").append(version).toString();
        }
    }

    private final SparkSession spark;
    private final LakeLayout lake;
    private final String dataset;
    private final long targetFileBytes;
    private final Optional<Duration> vacuumRetention;
    private final List<String> goldTables;
    private final Clock clock;
    private final Consumer<String> progress;

    /**
     * @param targetFileBytes size compaction packs files up to, and below which a file is compacted
     * @param vacuumRetention retention of VACUUM; empty to skip VACUUM
     */
    public MaintainTables(SparkSession spark, LakeLayout lake, String dataset, Collection<String> goldTables,
                          long targetFileBytes, Optional<Duration> vacuumRetention, Clock clock,
                          Consumer<String> progress) {
        this.spark = requireNonNull(spark, "spark is null");
        this.lake = requireNonNull(lake, "lake is null");
        this.dataset = requireNonNull(dataset, "dataset is null");
        this.goldTables = List.copyOf(goldTables);
        this.targetFileBytes = targetFileBytes;
        this.vacuumRetention = requireNonNull(vacuumRetention, "vacuumRetention is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    /**
     * The dataset's tables that may be Delta: trusted tables and their key indexes, gold tables, the lake's own ledgers, stage and
     * quarantine. A Parquet trusted table is skipped: each batch rewrites the partitions it touches whole.
     */
    public List<Table> tables() {
        String latest = dataset + "_latest";
        List<Table> tables = new ArrayList<>(List.of(
                new Table("trusted", lake.trustedTable(dataset), true),
                new Table("trusted latest", lake.trustedTable(latest), true),
                new Table("key index", lake.keyIndex(dataset), true, KeyIndex.FILE_SETTINGS),
                new Table("key index (latest)", lake.keyIndex(latest), true, KeyIndex.FILE_SETTINGS)));
        goldTables.forEach(name -> tables.add(new Table("gold " + name, lake.goldTable(dataset, name), true)));
        tables.addAll(List.of(
                new Table("consumed batches", lake.consumedBatches(dataset), true),
                new Table("consumed batches (latest)", lake.consumedBatches(latest), true),
                new Table("ingested files", lake.ingestedFiles(dataset), true),
                new Table("quarantine", lake.quarantineTable(dataset), true),
                new Table("stage", lake.stageTable(dataset), false)));
        return tables;
    }

    public StepResult execute() {
        Instant started = clock.instant();
        List<Upkeep> done = new ArrayList<>();
        for (Table table : tables()) {
            if (DeltaTable.isDeltaTable(spark, table.path())) {
                progress.accept(table.role() + ": " + table.path());
                done.add(upkeep(table));
            }
        }
        if (done.isEmpty()) {
            progress.accept("no Delta table of dataset '" + dataset + "' under these zones: nothing to maintain");
        }
        Map<String, Long> details = new LinkedHashMap<>();
        details.put("tables", (long) done.size());
        details.put("filesBefore", done.stream().mapToLong(Upkeep::filesBefore).sum());
        details.put("filesAfter", done.stream().mapToLong(Upkeep::filesAfter).sum());
        details.put("filesCompacted", done.stream().mapToLong(Upkeep::filesCompacted).sum());
        details.put("bytesRewritten", done.stream().mapToLong(Upkeep::bytesRewritten).sum());
        details.put("compactionsYielded", done.stream().filter(Upkeep::yielded).count());
        List<String> notes = done.stream()
                .map(upkeep -> upkeep.describe(vacuumRetention.orElse(Duration.ZERO), vacuumRetention.isPresent()))
                .toList();
        long duration = clock.millis() - started.toEpochMilli();
        return new StepResult(STEP, dataset, started, duration, FileCounts.NONE, RecordCounts.NONE, details, notes);
    }

    private Upkeep upkeep(Table table) {
        DeltaTable delta = DeltaTable.forPath(spark, table.path());
        long before = files(delta);
        long compacted = 0;
        long written = 0;
        long bytes = 0;
        boolean yielded = false;
        if (table.compact()) {
            Optional<Row> metrics = compact(table, delta);
            yielded = metrics.isEmpty();
            if (metrics.isPresent()) {
                Row m = metrics.get();
                compacted = m.getLong(m.fieldIndex("numFilesRemoved"));
                written = m.getLong(m.fieldIndex("numFilesAdded"));
                Row removed = m.getStruct(m.fieldIndex("filesRemoved"));
                bytes = removed.getLong(removed.fieldIndex("totalSize"));
            }
        }
        vacuumRetention.ifPresent(retention -> SessionConf.with(spark, listingParallelism(), () -> JobLabels.labelled(
                spark, "maintain " + dataset + ": vacuum " + table.role(),
                () -> delta.vacuum(retention.toSeconds() / 3600.0))));
        long version = checkpoint(table);
        return new Upkeep(table, before, files(delta), compacted, written, bytes, yielded, version);
    }

    /** {@value #LISTING_PARALLELISM} for the vacuum: the session's own setting, else two tasks per core. */
    private Map<String, String> listingParallelism() {
        if (spark.sessionState().conf().contains(LISTING_PARALLELISM)) {
            return Map.of();
        }
        return Map.of(LISTING_PARALLELISM, Integer.toString(2 * spark.sparkContext().defaultParallelism()));
    }

    /** Bin-packing compaction; its metrics, or empty when it yielded to concurrent commits. */
    private Optional<Row> compact(Table table, DeltaTable delta) {
        Map<String, String> sizes = new HashMap<>(table.fileSettings());
        sizes.put(MIN_FILE_SIZE, Long.toString(targetFileBytes));
        sizes.put(MAX_FILE_SIZE, Long.toString(targetFileBytes));
        for (int attempt = 1; ; attempt++) {
            try {
                Row result = SessionConf.with(spark, sizes, () -> JobLabels.labelled(spark,
                        "maintain " + dataset + ": compact " + table.role(),
                        () -> delta.optimize().executeCompaction().first()));
                return Optional.of(result.getStruct(result.fieldIndex("metrics")));
            } catch (RuntimeException e) {
                if (!Failures.concurrentCommit(e)) {
                    throw e;
                }
                if (attempt == COMPACTION_ATTEMPTS) {
                    progress.accept(table.role() + ": a concurrent commit removed files this compaction read, "
                            + attempt + " times; it yields (the table is unchanged by it)");
                    return Optional.empty();
                }
                progress.accept(table.role() + ": a concurrent commit removed files this compaction read; trying"
                        + " again (" + (attempt + 1) + " of " + COMPACTION_ATTEMPTS + ")");
            }
        }
    }

    /** Writes a checkpoint of the table's latest version, so readers replay a short log; returns that version. */
    private long checkpoint(Table table) {
        DeltaLog log = DeltaLog.forTable(spark, table.path());
        Snapshot snapshot = log.update(false, Option.empty(), Option.empty());
        log.checkpoint(snapshot, Option.empty());
        return snapshot.version();
    }

    private static long files(DeltaTable delta) {
        Row detail = delta.detail().first();
        return detail.getLong(detail.fieldIndex("numFiles"));
    }
}
