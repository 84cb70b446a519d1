package io.sluice.steps;

import io.delta.tables.DeltaTable;
import io.sluice.config.DatasetProfile;
import io.sluice.config.DistributeSettings;
import io.sluice.lake.BatchManifest;
import io.sluice.lake.BatchManifests;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.CommittedBatches;
import io.sluice.lake.ConsumedBatches;
import io.sluice.lake.LakeLayout;
import io.sluice.lake.ZoneLock;
import io.sluice.report.StepResult;
import io.sluice.steps.trusted.TrustedWrite;
import io.sluice.report.StepResult.FileCounts;
import io.sluice.report.StepResult.RecordCounts;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

/**
 * {@code distribute} (and, with another batch selection, {@code repartition}): stage batches not yet
 * consumed become rows of the dataset's trusted table, one per key (or per key and version), exactly once.
 *
 * <p>The batch is deduplicated by one window over the key, classified against the table's key columns
 * (insert, update, stale, same), and only inserts and updates are written: a plain append when there are no
 * updates, else one MERGE restricted to the partitions the updated rows live in. Every commit is a Delta
 * idempotent write keyed by the greatest batch consumed, and the consumed batches are recorded the same way,
 * so a run killed anywhere and run again ends with the same table.
 */
public final class DistributeStage {
    /**
     * Manifests of cleaned batches moved out of the folder every run reads, at most this many per run: one per run in
     * steady state; a lake that kept years of them is drained over a few runs rather than in one.
     */
    private static final int MANIFESTS_RETIRED_PER_RUN = 1000;

    private final SparkSession spark;
    private final LakeLayout lake;
    private final String step;
    private final String dataset;
    private final String table;
    private final DatasetProfile profile;
    private final DistributeSettings settings;
    private final Selection selection;
    private final Checkpoints checkpoints;
    private final Clock clock;
    private final Consumer<String> progress;
    private final CommittedBatches committedBatches;

    /**
     * Which committed stage batches a run consumes.
     *
     * @param eligible the batches this run may consume
     * @param replay consume the eligible batches even if consumed before (re-running given hours); the
     *     write is then not recorded as a consumption, and dedup makes it add nothing already present
     */
    public record Selection(Predicate<BatchManifest> eligible, boolean replay) {
        /** Every committed batch not consumed yet. */
        public static final Selection PENDING = new Selection(manifest -> true, false);
    }

    /**
     * @param step name of the step in reports and transaction ids
     * @param dataset the dataset whose stage table is read
     * @param table name of the trusted table written, in the trusted zone
     * @param profile the dataset's profile, as the table keeps it (latest or all versions)
     * @param committedBatches stage batches committed earlier in the same command: read from their commits' files
     */
    public DistributeStage(SparkSession spark, LakeLayout lake, String step, String dataset, String table,
                           DatasetProfile profile, DistributeSettings settings, Selection selection,
                           Checkpoints checkpoints, Clock clock, Consumer<String> progress,
                           CommittedBatches committedBatches) {
        this.committedBatches = requireNonNull(committedBatches, "committedBatches is null");
        this.spark = requireNonNull(spark, "spark is null");
        this.lake = requireNonNull(lake, "lake is null");
        this.step = requireNonNull(step, "step is null");
        this.dataset = requireNonNull(dataset, "dataset is null");
        this.table = requireNonNull(table, "table is null");
        this.profile = requireNonNull(profile, "profile is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.selection = requireNonNull(selection, "selection is null");
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    public StepResult execute() {
        Instant started = clock.instant();
        try (ZoneLock lock = ZoneLock.acquire(lake.storage(), lake.distributeLock(table), step,
                Duration.ofHours(6), clock)) {
            BatchManifests manifests = new BatchManifests(lake.storage(), lake.zones().stage(), dataset);
            ConsumedBatches consumed = new ConsumedBatches(spark, lake, table);
            Set<Long> done = consumed.seqs();
            List<BatchManifest> all = manifests.all();
            List<BatchManifest> todo = all.stream()
                    .filter(m -> m.status() != BatchManifest.Status.PLANNED)
                    .filter(selection.eligible())
                    .filter(m -> selection.replay() || !done.contains(m.seq()))
                    .toList();
            Map<String, Long> details = new LinkedHashMap<>();
            List<String> notes = new ArrayList<>();
            RecordCounts records = RecordCounts.NONE;
            details.put("batches", (long) todo.size());
            details.put("ingestionHours", todo.stream().map(m -> m.date() + "T" + m.hour()).distinct().count());
            if (!todo.isEmpty()) {
                List<Long> seqs = todo.stream().map(BatchManifest::seq).toList();
                long version = seqs.stream().mapToLong(Long::longValue).max().orElseThrow();
                progress.accept("consuming " + seqs.size() + " stage batches (" + seqs.get(0) + ".." + version + ")");
                TrustedWrite write = new TrustedWrite(spark, lake, step, table, profile, settings, progress,
                        checkpoints);
                Dataset<Row> rows = stageRows(seqs).filter(col("_batch_seq").isin(seqs.toArray()));
                CommittedBatches.ParsedCounts parsed = parsedCounts(seqs);
                TrustedWrite.Result written = write.write(rows, parsed.stageRowsAtMost(),
                        selection.replay() ? Optional.empty() : Optional.of(version));
                records = written.counts().records();
                details.putAll(written.counts().details());
                details.put("quarantinedAtParse", parsed.quarantined());
                notes.addAll(written.landedLines(profile.partitions()));
                checkpoints.reached(step + ".trustedCommitted");
                if (!selection.replay()) {
                    consumed.record(seqs, LakeLayout.txnAppId(step + "-consumed", table), version, clock.instant());
                }
                checkpoints.reached(step + ".consumedRecorded");
            }
            // Only the dataset's own table decides what stage may lose; derived tables read within the retention.
            if (table.equals(dataset)) {
                Set<Long> consumedNow = new HashSet<>(done);
                if (!selection.replay()) {
                    consumedNow.addAll(todo.stream().map(BatchManifest::seq).toList());
                }
                long before = cleanedThrough();
                List<Long> cleaned = cleanStage(all, consumedNow, before);
                long through = cleaned.stream().mapToLong(Long::longValue).max().orElse(before);
                details.put("stageBatchesCleaned", (long) cleaned.size());
                details.put("manifestsRetired", (long) manifests.retire(through, consumedNow::contains,
                        MANIFESTS_RETIRED_PER_RUN));
            } else {
                details.put("stageBatchesCleaned", 0L);
            }
            long duration = clock.millis() - started.toEpochMilli();
            return new StepResult(step, dataset, started, duration, FileCounts.NONE, records, details, notes);
        }
    }

    /**
     * The stage table's rows, to be narrowed to batches {@code seqs}: only the files their commits added when this
     * command committed them all, else the whole table (whose scan skips the other batches' files by statistics).
     */
    private Dataset<Row> stageRows(List<Long> seqs) {
        String stage = lake.stageTable(dataset);
        try {
            Optional<Dataset<Row>> committed = committedBatches.rows(spark, stage, seqs);
            if (committed.isPresent()) {
                return committed.get();
            }
        } catch (LinkageError e) {
            // Another Delta build's classes: its own read below.
            progress.accept("stage: this Delta Lake cannot read the batches' files as they are (" + e
                    + "); reading the stage table");
        }
        return spark.read().format("delta").load(stage);
    }

    /**
     * What {@code parse} counted of batches {@code seqs}: from their commits when this command committed them all, else
     * as their commits in the stage table's log record it ({@link CommittedBatches#logged}), else from the ledger of
     * ingested files — whose records bound the batches' stage rows only when every batch is in it (a redelivered
     * file's records are counted there but not staged, which keeps the figure a bound).
     */
    private CommittedBatches.ParsedCounts parsedCounts(List<Long> seqs) {
        String stage = lake.stageTable(dataset);
        Optional<CommittedBatches.ParsedCounts> known = committedBatches.counts(stage, seqs)
                .or(() -> CommittedBatches.logged(spark, stage, LakeLayout.txnAppId(ParseLanding.STEP, dataset), seqs));
        if (known.isPresent()) {
            return known.get();
        }
        String ledger = lake.ingestedFiles(dataset);
        if (!DeltaTable.isDeltaTable(spark, ledger)) {
            return new CommittedBatches.ParsedCounts(OptionalLong.empty(), 0);
        }
        List<Row> perBatch = spark.read().format("delta").load(ledger).filter(col("batch_seq").isin(seqs.toArray()))
                .groupBy("batch_seq").agg(sum("records"), sum("quarantined"), count(lit(1)), count("records"))
                .collectAsList();
        boolean bound = perBatch.size() == seqs.size();
        long records = 0;
        long quarantined = 0;
        for (Row batch : perBatch) {
            bound &= batch.getLong(3) == batch.getLong(4);
            records += batch.isNullAt(1) ? 0 : batch.getLong(1);
            quarantined += batch.isNullAt(2) ? 0 : batch.getLong(2);
        }
        return new CommittedBatches.ParsedCounts(bound ? OptionalLong.of(records) : OptionalLong.empty(), quarantined);
    }

    /**
     * Deletes consumed stage batches older than the retention, with one Delta DELETE (a log entry; VACUUM
     * reclaims the files later). Never touches a batch the trusted table has not consumed.
     *
     * @param cleanedThrough the newest batch an earlier run cleaned ({@link #cleanedThrough()})
     * @return the batches cleaned now
     */
    private List<Long> cleanStage(List<BatchManifest> manifests, Set<Long> consumed, long cleanedThrough) {
        Instant cutoff = clock.instant().minus(settings.stageRetentionDuration());
        List<Long> fresh = manifests.stream()
                .filter(m -> m.seq() > cleanedThrough && consumed.contains(m.seq()))
                .filter(m -> !Instant.parse(m.startedAt()).isAfter(cutoff))
                .map(BatchManifest::seq).toList();
        String stage = lake.stageTable(dataset);
        if (fresh.isEmpty() || !DeltaTable.isDeltaTable(spark, stage)) {
            return List.of();
        }
        Column condition = col("_batch_seq").isin(fresh.toArray());
        DeltaTable.forPath(spark, stage).delete(condition);
        lake.storage().write(cleanedThroughMarker(),
                Long.toString(fresh.stream().mapToLong(Long::longValue).max().orElseThrow()));
        progress.accept("stage: removed " + fresh.size() + " consumed batches past the retention of "
                + settings.stageRetention());
        return fresh;
    }

    /** The newest stage batch whose rows {@link #cleanStage} deleted; 0 before the first. */
    private long cleanedThrough() {
        return lake.storage().read(cleanedThroughMarker()).map(String::strip).map(Long::parseLong).orElse(0L);
    }

    private String cleanedThroughMarker() {
        return lake.storage().resolve(lake.zones().stage(), "_sluice/" + dataset + "/cleaned-through");
    }
}
