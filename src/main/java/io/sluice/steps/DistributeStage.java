package io.sluice.steps;

import io.delta.tables.DeltaTable;
import io.sluice.config.DatasetProfile;
import io.sluice.config.DistributeSettings;
import io.sluice.lake.BatchManifest;
import io.sluice.lake.BatchManifests;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.ConsumedBatches;
import io.sluice.lake.LakeLayout;
import io.sluice.lake.ZoneLock;
import io.sluice.report.StepResult;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;

/**
 * {@code distribute} (and, with another batch selection, {@code repartition}): stage batches not yet
 * consumed become rows of the dataset's trusted table, one per key (or per key and version), exactly once.
 *
 * <p>The batch is deduplicated with one aggregation, classified against the table's key columns
 * (insert, update, stale, same), and only inserts and updates are written: a plain append when there are no
 * updates, else one MERGE restricted to the partitions the updated rows live in. Every commit is a Delta
 * idempotent write keyed by the greatest batch consumed, and the consumed batches are recorded the same way,
 * so a run killed anywhere and run again ends with the same table.
 */
public final class DistributeStage {
    private final SparkSession spark;
    private final LakeLayout lake;
    private final String step;
    private final String dataset;
    private final DatasetProfile profile;
    private final DistributeSettings settings;
    private final Predicate<BatchManifest> eligible;
    private final boolean replay;
    private final Checkpoints checkpoints;
    private final Clock clock;
    private final Consumer<String> progress;

    /**
     * @param step name of the step in reports and transaction ids
     * @param eligible which committed stage batches this run may consume
     * @param replay consume the eligible batches again even if consumed before (re-running given hours)
     */
    public DistributeStage(SparkSession spark, LakeLayout lake, String step, String dataset, DatasetProfile profile,
                           DistributeSettings settings, Predicate<BatchManifest> eligible, boolean replay,
                           Checkpoints checkpoints, Clock clock, Consumer<String> progress) {
        this.spark = requireNonNull(spark, "spark is null");
        this.lake = requireNonNull(lake, "lake is null");
        this.step = requireNonNull(step, "step is null");
        this.dataset = requireNonNull(dataset, "dataset is null");
        this.profile = requireNonNull(profile, "profile is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.eligible = requireNonNull(eligible, "eligible is null");
        this.replay = replay;
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    public StepResult execute() {
        Instant started = clock.instant();
        try (ZoneLock lock = ZoneLock.acquire(lake.storage(), lake.distributeLock(dataset), step,
                Duration.ofHours(6), clock)) {
            BatchManifests manifests = new BatchManifests(lake.storage(), lake.zones().stage(), dataset);
            ConsumedBatches consumed = new ConsumedBatches(spark, lake.consumedBatches(dataset));
            Set<Long> done = consumed.seqs();
            List<BatchManifest> todo = manifests.all().stream()
                    .filter(m -> m.status() != BatchManifest.Status.PLANNED)
                    .filter(eligible)
                    .filter(m -> replay || !done.contains(m.seq()))
                    .toList();
            Map<String, Long> details = new LinkedHashMap<>();
            List<String> notes = new ArrayList<>();
            RecordCounts records = RecordCounts.NONE;
            details.put("batches", (long) todo.size());
            if (!todo.isEmpty()) {
                List<Long> seqs = todo.stream().map(BatchManifest::seq).toList();
                long version = seqs.stream().mapToLong(Long::longValue).max().orElseThrow();
                progress.accept("consuming " + seqs.size() + " stage batches (" + seqs.get(0) + ".." + version + ")");
                TrustedWrite write = new TrustedWrite(spark, lake, step, dataset, profile, settings, checkpoints,
                        progress);
                TrustedWrite.Outcome outcome = write.write(seqs, replay ? null : version);
                records = outcome.records();
                details.putAll(outcome.details());
                notes.addAll(outcome.landed());
                checkpoints.reached(step + ".trustedCommitted");
                if (!replay) {
                    consumed.record(seqs, LakeLayout.txnAppId(step + "-consumed", dataset), version, clock.instant());
                }
                checkpoints.reached(step + ".consumedRecorded");
            }
            details.put("stageBatchesCleaned", (long) cleanStage(manifests, consumed.seqs()));
            long duration = clock.millis() - started.toEpochMilli();
            return new StepResult(step, dataset, started, duration, FileCounts.NONE, records, details, notes);
        }
    }

    /**
     * Deletes consumed stage batches older than the retention, with one Delta DELETE (a log entry; VACUUM
     * reclaims the files later). Never touches a batch the trusted table has not consumed.
     */
    private int cleanStage(BatchManifests manifests, Set<Long> consumed) {
        Instant cutoff = clock.instant().minus(settings.stageRetentionDuration());
        List<Long> expired = manifests.all().stream()
                .filter(m -> consumed.contains(m.seq()))
                .filter(m -> !Instant.parse(m.startedAt()).isAfter(cutoff))
                .map(BatchManifest::seq).toList();
        String stage = lake.stageTable(dataset);
        if (expired.isEmpty() || !DeltaTable.isDeltaTable(spark, stage)) {
            return 0;
        }
        String marker = lake.storage().resolve(lake.zones().stage(), "_sluice/" + dataset + "/cleaned-through");
        long cleanedThrough = lake.storage().read(marker).map(String::strip).map(Long::parseLong).orElse(0L);
        List<Long> fresh = expired.stream().filter(seq -> seq > cleanedThrough).toList();
        if (fresh.isEmpty()) {
            return 0;
        }
        Column condition = col("_batch_seq").isin(fresh.toArray());
        DeltaTable.forPath(spark, stage).delete(condition);
        lake.storage().write(marker, Long.toString(fresh.stream().mapToLong(Long::longValue).max().orElseThrow()));
        progress.accept("stage: removed " + fresh.size() + " consumed batches past the retention of "
                + settings.stageRetention());
        return fresh.size();
    }
}
