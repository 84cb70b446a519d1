package io.sluice.steps;

import io.sluice.config.DatasetProfile;
import io.sluice.config.ParseSettings;
import io.sluice.ingest.FileTask;
import io.sluice.ingest.LandingLayout;
import io.sluice.ingest.ParsedRecords;
import io.sluice.ingest.ReadTally;
import io.sluice.ingest.RecordTyper;
import io.sluice.lake.BatchManifest;
import io.sluice.lake.BatchManifests;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.CommittedBatches;
import io.sluice.lake.LakeLayout;
import io.sluice.lake.WorkArea;
import io.sluice.lake.ZoneLock;
import io.sluice.report.StepResult;
import io.sluice.report.StepResult.FileCounts;
import io.sluice.report.StepResult.RecordCounts;
import io.sluice.storage.StoredFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * {@code parse}: every file in {@code <landing>/pending/} becomes typed rows in the stage table and
 * quarantined rows in the quarantine table, then moves to {@code <landing>/processed/date=YYYY-MM-DD/}.
 *
 * <p>Exactly once: a batch is planned in a manifest before anything is written; its commits are Delta
 * idempotent writes keyed by the batch's sequence number; moves happen only after the commits and are
 * idempotent. A run first finishes any batch a dead run left unfinished. Files whose content was already
 * ingested (a re-delivery) are moved without adding records. The moves, and the look-ups of where a manifest's files
 * are, run {@code parse.moveConcurrency} at a time ({@link LandingMoves}).
 */
public final class ParseLanding {
    /** Name of this step in reports and Delta transaction ids. */
    public static final String STEP = "parse";
    private static final DateTimeFormatter BATCH_ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final SparkSession spark;
    private final LakeLayout lake;
    private final String dataset;
    private final DatasetProfile profile;
    private final ParseSettings settings;
    private final RecordTyper typer;
    private final Checkpoints checkpoints;
    private final Clock clock;
    private final Consumer<String> progress;
    private final LandingMoves moves;
    private final CommittedBatches committedBatches;

    /** @param committedBatches records the batches committed, with their files, for a distribute in the same command */
    public ParseLanding(SparkSession spark, LakeLayout lake, String dataset, DatasetProfile profile,
                        ParseSettings settings, RecordTyper typer, Checkpoints checkpoints, Clock clock,
                        Consumer<String> progress, CommittedBatches committedBatches) {
        this.committedBatches = requireNonNull(committedBatches, "committedBatches is null");
        this.spark = requireNonNull(spark, "spark is null");
        this.lake = requireNonNull(lake, "lake is null");
        this.dataset = requireNonNull(dataset, "dataset is null");
        this.profile = requireNonNull(profile, "profile is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.typer = requireNonNull(typer, "typer is null");
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.progress = requireNonNull(progress, "progress is null");
        this.moves = new LandingMoves(lake.storage(), settings.moveConcurrency(), checkpoints, progress);
    }

    public StepResult execute() {
        Instant started = clock.instant();
        BatchManifests manifests = new BatchManifests(lake.storage(), lake.zones().stage(), dataset);
        List<BatchOutcome> outcomes = new ArrayList<>();
        long hidden;
        List<String> notes = new ArrayList<>();
        int maxBatches = settings.maxBatches() == null ? Integer.MAX_VALUE : settings.maxBatches();
        try (ZoneLock lock = ZoneLock.acquire(lake.storage(), lake.parseLock(dataset), STEP,
                settings.lockTimeoutDuration(), clock)) {
            for (BatchManifest unfinished : manifests.unfinished()) {
                progress.accept("resuming batch " + unfinished.batchId() + " (" + unfinished.status()
                        .name().toLowerCase() + ", " + unfinished.files().size() + " files) left by an earlier run");
                outcomes.add(new ParseBatch(unfinished).run(manifests));
            }
            List<StoredFile> listed = lake.storage().listFiles(lake.pending());
            List<StoredFile> visible = listed.stream().filter(f -> !f.hidden()).toList();
            hidden = listed.size() - visible.size();
            listed.stream().filter(StoredFile::hidden)
                    .forEach(f -> notes.add("skipped hidden file pending/" + f.relativePath()));
            List<List<StoredFile>> batches = BatchPlan.split(visible, settings.maxFiles(), settings.maxBatchBytes());
            int run = 0;
            for (List<StoredFile> files : batches) {
                if (outcomes.size() >= maxBatches) {
                    long left = batches.subList(run, batches.size()).stream().mapToLong(List::size).sum();
                    notes.add("stopped after " + outcomes.size() + " batches (--max-batches " + maxBatches + "); "
                            + left + " files stay in pending for the next run");
                    break;
                }
                run++;
                BatchManifest planned = plan(manifests.lastSeq() + 1, files, run, batches.size());
                manifests.save(planned);
                checkpoints.reached("parse.planned");
                outcomes.add(new ParseBatch(planned).run(manifests));
            }
        }
        return result(started, outcomes, hidden, notes);
    }

    private BatchManifest plan(long seq, List<StoredFile> files, int number, int planned) {
        Instant now = clock.instant();
        String batchId = BATCH_ID.format(now) + "-" + UUID.randomUUID().toString().substring(0, 8);
        List<BatchManifest.ManifestFile> entries = files.stream()
                .map(f -> new BatchManifest.ManifestFile(f.relativePath(), f.size())).toList();
        long bytes = files.stream().mapToLong(StoredFile::size).sum();
        progress.accept(String.format(Locale.ROOT, "batch %d of ~%d (%s): %d files, %.1f MB", number, planned,
                batchId, files.size(), bytes / 1e6));
        return new BatchManifest(seq, batchId, now.toString(), BatchManifest.Status.PLANNED, entries);
    }

    private StepResult result(Instant started, List<BatchOutcome> outcomes, long hidden, List<String> notes) {
        FileCounts files = new FileCounts(hidden, 0, 0, hidden);
        RecordCounts records = RecordCounts.NONE;
        Map<String, Long> details = new LinkedHashMap<>();
        details.put("batches", (long) outcomes.size());
        long redelivered = 0;
        long moveMillis = 0;
        for (BatchOutcome outcome : outcomes) {
            files = files.plus(outcome.files);
            records = records.plus(outcome.records);
            redelivered += outcome.redelivered;
            moveMillis += outcome.moveMillis;
            notes.addAll(outcome.notes);
        }
        details.put("redeliveredFiles", redelivered);
        // Wall time of the moves alone: with many small files it is where a batch's time goes after the commit.
        details.put("moveMillis", moveMillis);
        long duration = clock.millis() - started.toEpochMilli();
        return new StepResult(STEP, dataset, started, duration, files, records, details, notes);
    }

    private record BatchOutcome(FileCounts files, RecordCounts records, long redelivered, long moveMillis,
                                List<String> notes) {
    }

    /** One batch, from its manifest to the moves. */
    private final class ParseBatch {
        private final BatchManifest manifest;

        ParseBatch(BatchManifest manifest) {
            this.manifest = manifest;
        }

        BatchOutcome run(BatchManifests manifests) {
            List<String> notes = new ArrayList<>();
            List<FileTask> tasks = new ArrayList<>();
            List<Long> sizes = new ArrayList<>();
            List<Optional<String>> locations = moves.locate(manifest.files().stream()
                    .map(BatchManifest.ManifestFile::path).toList(), lake.pending(), lake.processed(manifest.date()));
            for (int i = 0; i < manifest.files().size(); i++) {
                BatchManifest.ManifestFile file = manifest.files().get(i);
                Optional<String> location = locations.get(i);
                if (location.isEmpty()) {
                    notes.add("file pending/" + file.path() + " of batch " + manifest.batchId()
                            + " is neither in pending nor in processed; it was removed by hand");
                    continue;
                }
                tasks.add(new FileTask(location.get(), file.path()));
                sizes.add(file.size());
            }
            FileCounts files = new FileCounts(manifest.files().size(), 0, 0, manifest.files().size() - tasks.size());
            RecordCounts records = RecordCounts.NONE;
            long redelivered = 0;
            if (manifest.status() == BatchManifest.Status.PLANNED && !tasks.isEmpty()) {
                StageCommit commit = new StageCommit(spark, lake, dataset, profile, typer, manifest, checkpoints,
                        committedBatches);
                ParsedRecords.Read read = ParsedRecords.read(spark, tasks, sizes, typer,
                        LandingLayout.of(profile.sourceOrFiles()), settings.splitBytes());
                StageCommit.Counts counts;
                if (StageFiles.applies(typer)) {
                    try (StageFiles work = StageFiles.write(spark, lake, dataset, manifest,
                            Instant.parse(manifest.startedAt()), read)) {
                        counts = commit.commit(work.rows(), work.tally(), settings.maxBadRatio(), progress, work);
                    }
                } else {
                    try (WorkArea work = WorkArea.write(spark, lake.storage(), lake.parseWork(dataset,
                            manifest.seq()), read.rows())) {
                        Dataset<Row> parsed = work.rows();
                        counts = commit.commit(read.positioned(parsed).rows(), read.tally().complete(),
                                settings.maxBadRatio(), progress);
                    }
                }
                records = counts.records();
                redelivered = counts.redeliveredFiles().size();
                counts.redeliveredFiles().forEach((file, batch) -> notes.add("pending/" + file
                        + " was already ingested by batch " + batch + "; moved without adding records"));
                counts.damagedFiles().forEach((file, damage) -> notes.add("pending/" + file + ": " + damage
                        + "; the damaged part is in " + lake.quarantineTable(dataset)));
                files = new FileCounts(files.seen(), tasks.size() - redelivered, 0, files.skipped() + redelivered);
            } else if (manifest.status() != BatchManifest.Status.PLANNED) {
                files = new FileCounts(files.seen(), 0, 0, files.skipped());
            }
            manifests.save(manifest.withStatus(BatchManifest.Status.COMMITTED));
            checkpoints.reached("parse.committed");
            long movesStarted = System.nanoTime();
            long moved = moves.moveAll(tasks.stream().map(FileTask::relativePath).toList(), lake.pending(),
                    lake.processed(manifest.date()));
            long moveMillis = (System.nanoTime() - movesStarted) / 1_000_000;
            manifests.save(manifest.withStatus(BatchManifest.Status.DONE));
            files = new FileCounts(files.seen(), files.parsed(), moved, files.skipped());
            return new BatchOutcome(files, records, redelivered, moveMillis, notes);
        }
    }
}
