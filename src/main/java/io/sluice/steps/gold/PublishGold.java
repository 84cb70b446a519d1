package io.sluice.steps.gold;

import io.sluice.config.DatasetProfile;
import io.sluice.config.GoldTable;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.JobLabels;
import io.sluice.lake.LakeLayout;
import io.sluice.lake.ZoneLock;
import io.sluice.report.StepResult;
import io.sluice.report.StepResult.FileCounts;
import io.sluice.report.StepResult.RecordCounts;
import io.sluice.lake.DeltaMetadata;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

/**
 * {@code publish}: each gold table of a dataset made equal to its query over the trusted table, at one trusted
 * version.
 * <p>
 * Incrementally, the trusted rows that changed since the version a gold table reflects come from Delta's change
 * data feed (inserts, deletes, and both images of an update, so a row that moved from one day to another touches
 * both days); the query run over those rows names the groups they touch, the query over the whole trusted table
 * restricted to those groups gives their new rows, and one MERGE replaces exactly those groups. Without a change
 * feed for the range (a table created before it was enabled, or change files vacuumed), the table is rebuilt in
 * full and the summary says so. Every gold commit carries the trusted version as its Delta transaction, so a kill
 * leaves either the old table or the new one with its version, and a rerun with nothing new writes nothing.
 */
public final class PublishGold {
    /** Name of this step in reports. */
    public static final String STEP = "publish";
    private static final String CDF = "delta.enableChangeDataFeed";

    /** How a gold table was brought up to date. */
    public enum Mode {
        /** It already reflected the trusted version: nothing written. */
        UP_TO_DATE,
        /** The groups the changes touched were replaced. */
        INCREMENTAL,
        /** The whole table was rewritten. */
        FULL
    }

    /**
     * What publish did to one gold table.
     *
     * @param fromVersion the trusted version it reflected before; -1 when it did not exist
     * @param toVersion the trusted version it reflects now
     * @param groups groups replaced (incremental) or rows written (full)
     * @param note why a full rebuild happened, when it was not asked for
     */
    public record Published(String name, String path, Mode mode, long fromVersion, long toVersion, long groups,
                            String note) {
        String describe() {
            String line = "gold " + name + " " + path + ": " + switch (mode) {
                case UP_TO_DATE -> "up to date at trusted version " + toVersion + ", nothing written";
                case INCREMENTAL -> groups + " groups touched by trusted versions " + (fromVersion + 1) + ".."
                        + toVersion + " replaced";
                case FULL -> "rebuilt in full at trusted version " + toVersion + " (" + groups + " rows)";
            };
            return note.isEmpty() ? line : line + "; " + note;
        }
    }

    private final SparkSession spark;
    private final LakeLayout lake;
    private final String dataset;
    private final DatasetProfile profile;
    private final boolean full;
    private final Checkpoints checkpoints;
    private final Clock clock;
    private final Consumer<String> progress;
    /** Why the last change feed read failed, for the summary. */
    private String feedFailure = "";

    /** @param full rebuild every gold table whole, whatever changed */
    public PublishGold(SparkSession spark, LakeLayout lake, String dataset, DatasetProfile profile, boolean full,
                       Checkpoints checkpoints, Clock clock, Consumer<String> progress) {
        this.spark = requireNonNull(spark, "spark is null");
        this.lake = requireNonNull(lake, "lake is null");
        this.dataset = requireNonNull(dataset, "dataset is null");
        this.profile = requireNonNull(profile, "profile is null");
        this.full = full;
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    public StepResult execute() {
        Instant started = clock.instant();
        String trustedPath = lake.trustedTable(dataset);
        DeltaMetadata trusted = DeltaMetadata.read(spark, trustedPath).orElseThrow(() -> new IllegalStateException(
                "there is no trusted Delta table at " + trustedPath + " to publish from; run 'sluice distribute"
                        + " --dataset " + dataset + "' first (publish reads Delta tables only)"));
        List<Published> done = new ArrayList<>();
        try (ZoneLock lock = ZoneLock.acquire(lake.storage(), lake.publishLock(dataset), STEP, Duration.ofHours(6),
                clock)) {
            for (Map.Entry<String, GoldTable> gold : profile.gold().entrySet()) {
                Published published = JobLabels.labelled(spark, STEP + " " + dataset + ": " + gold.getKey(),
                        () -> publish(gold.getKey(), gold.getValue(), trusted));
                progress.accept(published.describe());
                done.add(published);
            }
        }
        Map<String, Long> details = new LinkedHashMap<>();
        details.put("goldTables", (long) done.size());
        details.put("trustedVersion", trusted.version());
        details.put("incremental", done.stream().filter(p -> p.mode() == Mode.INCREMENTAL).count());
        details.put("rebuilt", done.stream().filter(p -> p.mode() == Mode.FULL).count());
        details.put("upToDate", done.stream().filter(p -> p.mode() == Mode.UP_TO_DATE).count());
        long duration = clock.millis() - started.toEpochMilli();
        return new StepResult(STEP, dataset, started, duration, FileCounts.NONE, RecordCounts.NONE, details,
                done.stream().map(Published::describe).toList());
    }

    private Published publish(String name, GoldTable table, DeltaMetadata trusted) {
        String path = lake.goldTable(dataset, name);
        String appId = LakeLayout.publishTxnAppId(dataset, name);
        long version = trusted.version();
        Optional<Long> recorded = DeltaMetadata.read(spark, path).flatMap(gold -> gold.txnVersion(appId));
        long from = recorded.orElse(-1L);
        if (!full && recorded.isPresent() && recorded.get() == version) {
            return new Published(name, path, Mode.UP_TO_DATE, from, version, 0, "");
        }
        Dataset<Row> whole = spark.read().format("delta").option("versionAsOf", version).load(lake.trustedTable(dataset));
        GoldTableWriter writer = new GoldTableWriter(spark, table, path, appId);
        String note = "";
        if (!full && recorded.isPresent() && recorded.get() > version) {
            note = "it reflects trusted version " + recorded.get() + " but the trusted table is at version " + version
                    + " (was it recreated?), so the table was rebuilt in full";
        } else if (!full && recorded.isPresent()) {
            Optional<String> noFeed = changeFeedMissing(trusted, recorded.get() + 1);
            if (noFeed.isEmpty()) {
                Optional<Long> groups = incremental(name, table, whole, writer, recorded.get() + 1, version);
                if (groups.isPresent()) {
                    return new Published(name, path, Mode.INCREMENTAL, from, version, groups.get(), "");
                }
                note = "the trusted table's change feed of versions " + (recorded.get() + 1) + ".." + version
                        + " could not be read (" + feedFailure + "), so the table was rebuilt in full";
            } else {
                note = noFeed.get();
            }
        }
        Dataset<Row> rows = query(table, whole).persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            requireUniqueKeys(name, table, rows);
            long count = rows.count();
            checkpoints.reached(STEP + ".beforeCommit");
            writer.overwrite(rows, version, recorded.map(r -> r < version).orElse(true));
            checkpoints.reached(STEP + ".committed");
            return new Published(name, path, Mode.FULL, from, version, count, note);
        } finally {
            rows.unpersist();
        }
    }

    /** Why the change feed cannot serve versions from {@code start} on, or empty when it can. */
    private Optional<String> changeFeedMissing(DeltaMetadata trusted, long start) {
        String enabled = trusted.snapshot().metadata().configuration().getOrElse(CDF, () -> "false");
        if (!"true".equalsIgnoreCase(enabled)) {
            return Optional.of("the trusted table " + lake.trustedTable(dataset) + " has no change data feed, so the"
                    + " table was rebuilt in full; enable it for incremental publishes with ALTER TABLE delta.`"
                    + lake.trustedTable(dataset) + "` SET TBLPROPERTIES (" + CDF + " = true)");
        }
        // The feed must have been on for every version of the range: a table that enabled it later has gaps.
        boolean gap = trusted.commitsFrom(start).stream().anyMatch(c -> c.operation().equals("SET TBLPROPERTIES"));
        return gap ? Optional.of("the trusted table's change data feed was enabled within versions " + start + ".."
                + trusted.version() + ", so the table was rebuilt in full") : Optional.empty();
    }

    /** Replaces the groups changed in {@code start..end}; the number of groups, or empty when the feed is gone. */
    private Optional<Long> incremental(String name, GoldTable table, Dataset<Row> whole, GoldTableWriter writer,
                                       long start, long end) {
        Dataset<Row> changes;
        Dataset<Row> touched;
        try {
            changes = spark.read().format("delta").option("readChangeFeed", "true")
                    .option("startingVersion", start).option("endingVersion", end)
                    .load(lake.trustedTable(dataset))
                    .drop("_change_type", "_commit_version", "_commit_timestamp");
            touched = query(table, changes).select(table.keys().stream().map(k -> col(GoldTableWriter.quoted(k)))
                    .toArray(Column[]::new)).distinct().persist(StorageLevel.MEMORY_AND_DISK_SER());
            touched.count();
        } catch (RuntimeException e) {
            // Change files vacuumed, a schema change the feed cannot span, a feed switched off and on: the full
            // rebuild that follows is always correct, and fails with the same error if the query itself is wrong.
            feedFailure = firstLine(e);
            return Optional.empty();
        }
        try {
            long groups = touched.count();
            Column same = lit(true);
            for (String key : table.keys()) {
                same = same.and(col("g." + GoldTableWriter.quoted(key)).eqNullSafe(col("k." + GoldTableWriter.quoted(key))));
            }
            Dataset<Row> fresh = query(table, whole).as("g").join(touched.as("k"), same, "left_semi");
            requireUniqueKeys(name, table, fresh);
            checkpoints.reached(STEP + ".beforeCommit");
            writer.replaceGroups(touched, fresh, end);
            checkpoints.reached(STEP + ".committed");
            return Optional.of(groups);
        } finally {
            touched.unpersist();
        }
    }

    private static String firstLine(Throwable e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** The gold query over {@code rows}, seen under the dataset's name; analysed at once, so the view can go. */
    private Dataset<Row> query(GoldTable table, Dataset<Row> rows) {
        return withView(rows, () -> spark.sql(table.query()));
    }

    private <T> T withView(Dataset<Row> rows, Supplier<T> work) {
        rows.createOrReplaceTempView(dataset);
        try {
            return work.get();
        } finally {
            spark.catalog().dropTempView(dataset);
        }
    }

    private void requireUniqueKeys(String name, GoldTable table, Dataset<Row> rows) {
        Column[] keys = table.keys().stream().map(k -> col(GoldTableWriter.quoted(k))).toArray(Column[]::new);
        List<Row> repeated = rows.groupBy(keys).agg(count(lit(1)).as("rows")).filter(col("rows").gt(1)).limit(1)
                .collectAsList();
        if (!repeated.isEmpty()) {
            throw new IllegalStateException("gold table '" + name + "' of dataset '" + dataset + "': its query returns "
                    + repeated.get(0).getLong(table.keys().size()) + " rows for the keys " + table.keys() + " = "
                    + repeated.get(0).toSeq().take(table.keys().size()) + "; the keys must identify one row (fix"
                    + " datasets." + dataset + ".gold." + name + ".keys or its query)");
        }
    }
}
