package io.sluice.status;

import io.sluice.config.DatasetProfile;
import io.sluice.lake.BatchManifest;
import io.sluice.lake.DeltaMetadata;
import io.sluice.lake.BatchManifests;
import io.sluice.lake.ConsumedBatches;
import io.sluice.lake.JobLabels;
import io.sluice.lake.LakeLayout;
import io.sluice.status.LakeStatus.BatchStatus;
import io.sluice.status.LakeStatus.GoldStatus;
import io.sluice.status.LakeStatus.Pending;
import io.sluice.status.LakeStatus.RunStatus;
import io.sluice.status.LakeStatus.StepStatus;
import io.sluice.status.LakeStatus.TableHealth;
import io.sluice.storage.StoredFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.substring_index;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trim;

/**
 * Reads a dataset's {@link LakeStatus} from the bookkeeping the steps write: the landing listing, batch manifests,
 * the ledgers of ingested files and consumed batches, and Delta logs. No data file of a trusted or gold table is
 * read, so it is cheap enough to run every minute; the quarantine reasons are counted over the recent batches'
 * rows of the quarantine table only.
 */
public final class ReadLakeStatus {
    /** Default of how many recent batches and distribute runs are shown. */
    public static final int RECENT_DEFAULT = 24;
    /** Log versions searched back for the last compaction. */
    private static final int UPKEEP_WINDOW = 200;
    /** Commits of the VACUUM that follows a compaction: upkeep themselves. */
    private static final Set<String> VACUUM_OPERATIONS = Set.of("VACUUM START", "VACUUM END");

    private final SparkSession spark;
    private final LakeLayout lake;
    private final String dataset;
    private final DatasetProfile profile;
    private final long targetFileBytes;
    private final int recent;
    private final Clock clock;

    /**
     * @param targetFileBytes files below this size count as small
     * @param recent how many recent batches and runs to show
     */
    public ReadLakeStatus(SparkSession spark, LakeLayout lake, String dataset, DatasetProfile profile,
                          long targetFileBytes, int recent, Clock clock) {
        this.spark = requireNonNull(spark, "spark is null");
        this.lake = requireNonNull(lake, "lake is null");
        this.dataset = requireNonNull(dataset, "dataset is null");
        this.profile = requireNonNull(profile, "profile is null");
        this.targetFileBytes = targetFileBytes;
        this.recent = recent;
        this.clock = requireNonNull(clock, "clock is null");
    }

    public LakeStatus execute() {
        return JobLabels.labelled(spark, "status " + dataset, this::read);
    }

    private LakeStatus read() {
        Instant now = clock.instant();
        Pending pending = pending(now);
        List<BatchManifest> manifests = new BatchManifests(lake.storage(), lake.zones().stage(), dataset).all();
        Set<Long> consumed = new ConsumedBatches(spark, lake, dataset).seqs();
        List<BatchManifest> recentManifests = manifests.subList(Math.max(0, manifests.size() - recent),
                manifests.size());
        long firstSeq = recentManifests.isEmpty() ? 0 : recentManifests.get(0).seq();
        Optional<DeltaMetadata> trusted = DeltaMetadata.read(spark, lake.trustedTable(dataset));
        List<DeltaMetadata.Commit> distributeCommits = trusted.map(this::distributeCommits).orElse(List.of());
        long ledgerFrom = Math.min(firstSeq, distributeCommits.isEmpty() ? firstSeq
                : distributeCommits.get(0).txns().get(distributeAppId()) - recent);
        Map<Long, long[]> ledger = ledger(ledgerFrom);
        List<BatchStatus> batches = recentManifests.stream().map(m -> batch(m, ledger, consumed)).toList();
        List<RunStatus> runs = runs(distributeCommits, ledger);
        List<TableHealth> tables = new ArrayList<>();
        trusted.ifPresent(t -> tables.add(health("trusted", lake.trustedTable(dataset), t)));
        DeltaMetadata.read(spark, lake.trustedTable(dataset + "_latest"))
                .ifPresent(t -> tables.add(health("trusted latest", lake.trustedTable(dataset + "_latest"), t)));
        List<GoldStatus> gold = gold(trusted, now);
        List<StepStatus> steps = steps(manifests, consumed, pending, tables, gold, now);
        return new LakeStatus(dataset, now.toString(), pending, steps, batches, runs,
                quarantineReasons(recentManifests), tables, gold, List.of());
    }

    private Pending pending(Instant now) {
        String location = lake.pending();
        List<StoredFile> files = lake.storage().listFiles(location).stream().filter(f -> !f.hidden()).toList();
        long bytes = files.stream().mapToLong(StoredFile::size).sum();
        Optional<Instant> oldest = files.stream().map(f -> Instant.ofEpochMilli(f.modifiedMillis()))
                .min(Comparator.naturalOrder());
        return new Pending(location, files.size(), bytes, oldest.map(Instant::toString).orElse(null),
                oldest.map(at -> age(at, now)).orElse(null));
    }

    /** Per batch: usable records, quarantined records, re-delivered files, from the ledger of ingested files. */
    private Map<Long, long[]> ledger(long fromSeq) {
        Map<Long, long[]> perBatch = new LinkedHashMap<>();
        String path = lake.ingestedFiles(dataset);
        if (DeltaMetadata.read(spark, path).isEmpty()) {
            return perBatch;
        }
        spark.read().format("delta").load(path).filter(col("batch_seq").geq(fromSeq))
                .groupBy("batch_seq")
                .agg(sum("records"), sum("quarantined"), count(col("duplicate_of_batch")))
                .collectAsList()
                .forEach(row -> perBatch.put(row.getLong(0), new long[]{orZero(row, 1), orZero(row, 2),
                        row.getLong(3)}));
        return perBatch;
    }

    private static BatchStatus batch(BatchManifest m, Map<Long, long[]> ledger, Set<Long> consumed) {
        long[] counts = ledger.getOrDefault(m.seq(), new long[3]);
        long bytes = m.files().stream().mapToLong(BatchManifest.ManifestFile::size).sum();
        return new BatchStatus(m.seq(), m.batchId(), m.startedAt(), m.status().name().toLowerCase(),
                m.files().size(), bytes, counts[0], counts[1], counts[2], consumed.contains(m.seq()));
    }

    private String distributeAppId() {
        return LakeLayout.txnAppId("distribute", dataset);
    }

    private List<DeltaMetadata.Commit> distributeCommits(DeltaMetadata trusted) {
        List<DeltaMetadata.Commit> commits = trusted.commitsFrom(trusted.version() - 4L * recent).stream()
                .filter(c -> c.txns().containsKey(distributeAppId())).toList();
        return commits.subList(Math.max(0, commits.size() - recent - 1), commits.size());
    }

    /** Each distribute commit with the batches it consumed: those after the previous commit's, through its own. */
    private List<RunStatus> runs(List<DeltaMetadata.Commit> commits, Map<Long, long[]> ledger) {
        List<RunStatus> runs = new ArrayList<>();
        for (int i = 0; i < commits.size(); i++) {
            DeltaMetadata.Commit commit = commits.get(i);
            long last = commit.txns().get(distributeAppId());
            if (i == 0 && commits.size() > recent) {
                continue;
            }
            long first = i == 0 ? ledger.keySet().stream().filter(s -> s <= last).min(Long::compare).orElse(last)
                    : commits.get(i - 1).txns().get(distributeAppId()) + 1;
            long in = 0;
            for (long seq = first; seq <= last; seq++) {
                in += ledger.getOrDefault(seq, new long[3])[0];
            }
            // An append counts its output rows; a MERGE its inserted and updated ones (its output rows count them too).
            OptionalLong inserted = commit.metric("numTargetRowsInserted");
            long written = inserted.isPresent() ? inserted.getAsLong() + commit.metric("numTargetRowsUpdated").orElse(0)
                    : commit.metric("numOutputRows").orElse(0);
            runs.add(new RunStatus(commit.version(), String.valueOf(commit.at()),
                    first == last ? Long.toString(last) : first + ".." + last, in, written, Math.max(0, in - written)));
        }
        return runs;
    }

    private Map<String, Long> quarantineReasons(List<BatchManifest> manifests) {
        Map<String, Long> reasons = new LinkedHashMap<>();
        String path = lake.quarantineTable(dataset);
        if (manifests.isEmpty() || DeltaMetadata.read(spark, path).isEmpty()) {
            return reasons;
        }
        String firstDate = manifests.get(0).date();
        spark.read().format("delta").load(path)
                .filter(col("quarantine_date").geq(firstDate))
                .filter(col("batch_seq").isin(manifests.stream().map(BatchManifest::seq).toArray()))
                .groupBy(trim(substring_index(col("reason"), ":", 1)).as("reason")).count()
                .orderBy(col("count").desc(), col("reason")).collectAsList()
                .forEach(row -> reasons.put(row.isNullAt(0) ? "(none)" : row.getString(0), row.getLong(1)));
        return reasons;
    }

    private TableHealth health(String role, String path, DeltaMetadata table) {
        TableLayout layout = TableLayout.of(table.snapshot(), targetFileBytes);
        List<DeltaMetadata.Commit> window = table.commitsFrom(table.version() - UPKEEP_WINDOW);
        Optional<DeltaMetadata.Commit> upkeep = window.stream().filter(c -> "OPTIMIZE".equals(c.operation()))
                .reduce((a, b) -> b);
        // The VACUUM that follows a compaction commits twice itself; it is upkeep, not a version to catch up on.
        long since = window.stream().filter(c -> upkeep.isEmpty() || c.version() > upkeep.get().version())
                .filter(c -> !VACUUM_OPERATIONS.contains(c.operation())).count();
        return new TableHealth(role, path, table.version(), layout.files(), layout.bytes(), layout.partitions(),
                layout.smallFiles(), layout.mostSmallFiles(), layout.partitionWithMostSmallFiles(),
                upkeep.map(c -> String.valueOf(c.at())).orElse(null), since, layout.busiest());
    }

    private List<GoldStatus> gold(Optional<DeltaMetadata> trusted, Instant now) {
        List<GoldStatus> gold = new ArrayList<>();
        long trustedVersion = trusted.map(DeltaMetadata::version).orElse(-1L);
        profile.gold().forEach((name, table) -> {
            String path = lake.goldTable(dataset, name);
            Optional<DeltaMetadata> meta = DeltaMetadata.read(spark, path);
            Optional<Long> consumed = meta.flatMap(m -> m.txnVersion(LakeLayout.publishTxnAppId(dataset, name)));
            Optional<Instant> published = meta.map(m -> m.latestCommit().at());
            gold.add(new GoldStatus(name, path, consumed.orElse(null),
                    Math.max(0, trustedVersion - consumed.orElse(-1L)),
                    published.map(Instant::toString).orElse(null), published.map(at -> age(at, now)).orElse(null)));
        });
        return gold;
    }

    private List<StepStatus> steps(List<BatchManifest> manifests, Set<Long> consumed, Pending pending,
                                   List<TableHealth> tables, List<GoldStatus> gold, Instant now) {
        List<StepStatus> steps = new ArrayList<>();
        List<BatchManifest> committed = manifests.stream()
                .filter(m -> m.status() != BatchManifest.Status.PLANNED).toList();
        Optional<Instant> parsed = DeltaMetadata.read(spark, lake.ingestedFiles(dataset))
                .map(m -> m.latestCommit().at());
        String lastBatch = committed.isEmpty() ? null : "batch " + committed.get(committed.size() - 1).seq()
                + " (" + committed.get(committed.size() - 1).batchId() + ")";
        steps.add(step("parse", parsed, lastBatch, pending.files() == 0 ? "" : pending.files() + " files", now));

        Optional<DeltaMetadata> ledger = DeltaMetadata.read(spark, lake.consumedBatches(dataset));
        Optional<Long> through = ledger.flatMap(m -> m.txnVersion(LakeLayout.txnAppId("distribute-consumed",
                dataset)));
        long waiting = committed.stream().filter(m -> !consumed.contains(m.seq())).count();
        steps.add(step("distribute", ledger.map(m -> m.latestCommit().at()),
                through.map(seq -> "batches through " + seq).orElse(null),
                waiting == 0 ? "" : waiting + " batches", now));

        for (GoldStatus table : gold) {
            steps.add(step("publish " + table.name(), Optional.ofNullable(table.lastPublished()).map(Instant::parse),
                    table.trustedVersion() == null ? null : "trusted version " + table.trustedVersion(),
                    table.versionsBehind() == 0 ? "" : table.versionsBehind() + " trusted versions", now));
        }
        tables.stream().filter(t -> t.role().equals("trusted")).findFirst().ifPresent(t -> steps.add(step("maintain",
                Optional.ofNullable(t.lastUpkeep()).map(Instant::parse), null,
                t.versionsSinceUpkeep() == 0 ? "" : t.versionsSinceUpkeep() + " versions", now)));
        return steps;
    }

    private static StepStatus step(String name, Optional<Instant> last, String batch, String waiting, Instant now) {
        return new StepStatus(name, last.map(Instant::toString).orElse(null), batch,
                last.map(at -> age(at, now)).orElse(null), waiting);
    }

    private static long age(Instant at, Instant now) {
        return Math.max(0, Duration.between(at, now).toSeconds());
    }

    private static long orZero(Row row, int i) {
        return row.isNullAt(i) ? 0 : row.getLong(i);
    }
}
