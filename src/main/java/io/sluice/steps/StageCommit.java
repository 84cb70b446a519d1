package io.sluice.steps;

import io.sluice.config.DatasetProfile;
import io.sluice.ingest.ParsedRecords;
import io.sluice.ingest.ReadTally;
import io.sluice.ingest.RecordTyper;
import io.sluice.lake.BatchManifest;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.CommittedBatches;
import io.sluice.lake.DeltaFiles;
import io.sluice.lake.DeltaWrites;
import io.sluice.lake.IngestedFiles;
import io.sluice.lake.LakeLayout;
import io.sluice.lake.Quarantine;
import io.sluice.report.StepResult.RecordCounts;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * Commits one planned parse batch: stage rows, quarantined rows and the ledger of ingested files, each an
 * idempotent Delta write keyed by the batch's sequence number, so a repeated commit adds nothing.
 */
final class StageCommit {
    /** Stage partition columns: UTC ingestion date and hour. */
    static final List<String> STAGE_PARTITIONS = List.of("ingest_date", "ingest_hour");

    private final SparkSession spark;
    private final LakeLayout lake;
    private final String dataset;
    private final DatasetProfile profile;
    private final RecordTyper typer;
    private final BatchManifest manifest;
    private final Checkpoints checkpoints;
    private final CommittedBatches committedBatches;

    /** @param committedBatches where a batch whose files are committed as they are is recorded, with its commit */
    StageCommit(SparkSession spark, LakeLayout lake, String dataset, DatasetProfile profile, RecordTyper typer,
                BatchManifest manifest, Checkpoints checkpoints, CommittedBatches committedBatches) {
        this.committedBatches = committedBatches;
        this.spark = spark;
        this.lake = lake;
        this.dataset = dataset;
        this.profile = profile;
        this.typer = typer;
        this.manifest = manifest;
        this.checkpoints = checkpoints;
    }

    /**
     * @param records counts of the batch
     * @param redeliveredFiles files skipped because their content was ingested before, to the batch that did
     */
    record Counts(RecordCounts records, Map<String, String> redeliveredFiles, Map<String, String> damagedFiles) {
    }

    Counts commit(Dataset<Row> parsed, Optional<ReadTally.Counts> tally, Double maxBadRatio,
                  Consumer<String> progress) {
        return commit(parsed, tally, maxBadRatio, progress, null);
    }

    /**
     * Commits the batch whose rows are {@code parsed}, whose per-file counts are {@code tally} when the pass that
     * wrote them kept it (else they are counted from the rows). With {@code written}, the rows are those stage
     * files, and the stage commit adds their files as they are, unless the batch re-delivers files (whose records
     * must be left out): then the stage rows are written again as without it.
     */
    Counts commit(Dataset<Row> parsed, Optional<ReadTally.Counts> tally, Double maxBadRatio,
                  Consumer<String> progress, StageFiles written) {
        Instant ingestedAt = Instant.parse(manifest.startedAt());
        List<FileStats> stats = tally.map(StageCommit::fileStats).orElseGet(() -> fileStats(parsed));
        Map<String, String> redelivered = redelivered(stats);
        long valid = 0;
        long bad = 0;
        long duplicates = 0;
        for (FileStats file : stats) {
            if (redelivered.containsKey(file.path)) {
                duplicates += file.valid + file.bad;
            } else {
                valid += file.valid;
                bad += file.bad;
            }
        }
        if (maxBadRatio != null && valid + bad > 0 && (double) bad / (valid + bad) > maxBadRatio) {
            throw new BadInputException(String.format("batch %s: %d of %d records (%.1f%%) are bad, above"
                            + " --max-bad-ratio %.3f; nothing was committed and the files stay in pending. See the"
                            + " reasons with --max-bad-ratio off, fix or remove the files, then run again",
                    manifest.batchId(), bad, valid + bad, 100.0 * bad / (valid + bad), maxBadRatio));
        }
        Column kept = redelivered.isEmpty() ? lit(true)
                : not(col("_source_file").isin(redelivered.keySet().toArray()));
        Dataset<Row> usable = parsed.filter(kept.and(ParsedRecords.isRecord()));

        Dataset<Row> stageRows = new StageRows(spark, typer)
                .toStage(usable.filter(col("_error").isNull()), StageRows.lineage(manifest, ingestedAt, List.of()));
        String appId = LakeLayout.txnAppId(ParseLanding.STEP, dataset);
        // The commit says what it adds and what went to quarantine: a distribute of another command reads the counts
        // from the stage table's log.
        String counted = CommittedBatches.userMetadata(manifest.seq(), valid, bad);
        boolean committed = false;
        Optional<DeltaFiles.Commit> filesCommitted = Optional.empty();
        if (written != null && redelivered.isEmpty()) {
            try {
                filesCommitted = written.commitOnce(spark, stageRows, manifest, appId, counted);
                committed = true;
            } catch (LinkageError | DeltaFiles.NeedsDeltaWriter e) {
                // A Delta Lake other than the one this jar was built with, or a table of features only Delta's writer
                // applies: nothing was committed, write them again.
                progress.accept("stage: the batch's files cannot be committed as they are (" + e
                        + "); writing its stage rows again");
            }
        }
        if (!committed) {
            DeltaWrites.appendOnce(stageRows, lake.stageTable(dataset), STAGE_PARTITIONS, appId, manifest.seq(),
                    counted);
        }
        long records = valid;
        long quarantined = bad;
        filesCommitted.ifPresent(commit -> committedBatches.record(lake.stageTable(dataset), manifest.seq(), commit,
                records, quarantined));
        checkpoints.reached("parse.stageCommitted");
        progress.accept("stage: " + valid + " records committed to " + lake.stageTable(dataset));
        if (bad > 0) {
            Quarantine.append(usable.filter(col("_error").isNotNull()), lake, dataset, ParseLanding.STEP,
                    manifest.seq(), manifest.batchId(), ingestedAt);
            progress.accept("quarantine: " + bad + " records to " + lake.quarantineTable(dataset));
        }
        checkpoints.reached("parse.quarantineCommitted");
        appendLedger(stats, redelivered, ingestedAt);
        Map<String, String> damaged = new LinkedHashMap<>();
        stats.stream().filter(f -> f.damage != null && !redelivered.containsKey(f.path))
                .forEach(f -> damaged.put(f.path, f.damage));
        return new Counts(new RecordCounts(valid + bad, valid, bad, duplicates, valid), redelivered, damaged);
    }
    /** @param damage why the file could not be read to its end (a corrupt gzip or Avro file, bytes not text), or null */
    record FileStats(String path, String fingerprint, long valid, long bad, String damage) {
    }

    /**
     * One small row per file, the only thing brought to the driver: record counts by a hash aggregation, then the
     * few rows that carry a fingerprint or the damage of a file (a string maximum over every row would sort them).
     */
    static List<FileStats> fileStats(Dataset<Row> parsed) {
        Column damaged = ParsedRecords.isDamage(col("_error"));
        Map<String, String[]> marks = new HashMap<>();
        for (Row row : parsed.filter(col("_source_fingerprint").isNotNull().or(damaged))
                .select(col("_source_file"), col("_source_fingerprint"), when(damaged, col("_error")))
                .collectAsList()) {
            String[] mark = marks.computeIfAbsent(row.getString(0), file -> new String[2]);
            mark[0] = greater(mark[0], row.getString(1));
            mark[1] = greater(mark[1], row.getString(2));
        }
        List<Row> rows = parsed.groupBy("_source_file")
                .agg(sum(when(col("_error").isNull().and(ParsedRecords.isRecord()), 1L).otherwise(0L)).as("valid"),
                        sum(when(col("_error").isNotNull(), 1L).otherwise(0L)).as("bad"))
                .collectAsList();
        List<FileStats> stats = new ArrayList<>();
        for (Row row : rows) {
            String[] mark = marks.getOrDefault(row.getString(0), new String[2]);
            stats.add(new FileStats(row.getString(0), mark[0], row.getLong(1), row.getLong(2), mark[1]));
        }
        stats.sort(java.util.Comparator.comparing(FileStats::path));
        return stats;
    }

    /** The same as {@link #fileStats(Dataset)}, from the counts the writing pass kept. */
    static List<FileStats> fileStats(ReadTally.Counts tally) {
        List<FileStats> stats = new ArrayList<>();
        tally.files().forEach((file, splits) -> splits.values().stream().reduce(ReadTally.Split::add)
                .ifPresent(all -> stats.add(new FileStats(file, all.fingerprint(), all.valid(), all.bad(),
                        all.damage()))));
        stats.sort(java.util.Comparator.comparing(FileStats::path));
        return stats;
    }

    private static String greater(String a, String b) {
        return a == null ? b : b == null || a.compareTo(b) >= 0 ? a : b;
    }

    /** Files whose content an earlier batch, or an earlier file of this batch, already ingested. */
    private Map<String, String> redelivered(List<FileStats> stats) {
        Map<String, String> earlier = new HashMap<>();
        String ledger = lake.ingestedFiles(dataset);
        Set<String> fingerprints = new java.util.HashSet<>();
        stats.forEach(s -> fingerprints.add(s.fingerprint));
        if (DeltaWrites.exists(spark, ledger) && !fingerprints.isEmpty()) {
            spark.read().format("delta").load(ledger)
                    .filter(col("batch_seq").notEqual(manifest.seq())
                            .and(col("fingerprint").isin(fingerprints.toArray()))
                            .and(col("duplicate_of_batch").isNull()))
                    .select("fingerprint", "batch_id").collectAsList()
                    .forEach(row -> earlier.put(row.getString(0), row.getString(1)));
        }
        Map<String, String> redelivered = new LinkedHashMap<>();
        Map<String, String> seenInBatch = new HashMap<>();
        for (FileStats file : stats) {
            if (file.valid + file.bad == 0) {
                continue;
            }
            if (earlier.containsKey(file.fingerprint)) {
                redelivered.put(file.path, earlier.get(file.fingerprint));
            } else if (seenInBatch.putIfAbsent(file.fingerprint, file.path) != null) {
                redelivered.put(file.path, manifest.batchId());
            }
        }
        return redelivered;
    }

    private void appendLedger(List<FileStats> stats, Map<String, String> redelivered, Instant at) {
        IngestedFiles.append(spark, lake, dataset, ParseLanding.STEP, manifest, stats.stream()
                .map(f -> new IngestedFiles.Entry(f.path, f.fingerprint, f.valid, f.bad, redelivered.get(f.path)))
                .toList(), at);
    }
}
