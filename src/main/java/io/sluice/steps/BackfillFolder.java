package io.sluice.steps;

import io.sluice.config.DatasetProfile;
import io.sluice.config.DistributeSettings;
import io.sluice.config.History;
import io.sluice.ingest.FileTask;
import io.sluice.ingest.ParsedRecords;
import io.sluice.ingest.RecordTyper;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.DeltaWrites;
import io.sluice.lake.LakeLayout;
import io.sluice.lake.Quarantine;
import io.sluice.lake.WorkArea;
import io.sluice.plan.FolderListing;
import io.sluice.steps.trusted.ActionCounts;
import io.sluice.steps.trusted.TrustedWrite;
import io.sluice.storage.StoredFile;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * One attempt at one history folder: list it, read its documents, quarantine what cannot be used and write
 * the rest into the dataset's trusted table with the dedup of {@code repartition}. Safe to repeat: the table
 * write adds only versions not there yet, and quarantine skips the files and positions it holds already.
 */
final class BackfillFolder {
    /** Reason given to a file with no document in it. */
    static final String EMPTY_FILE = "empty file: no document in it";
    /** Name of the writing step in transaction ids and lock files. */
    static final String STEP = "backfill-history";

    private final SparkSession spark;
    private final LakeLayout lake;
    private final String dataset;
    private final DatasetProfile profile;
    private final History history;
    private final DistributeSettings settings;
    private final RecordTyper typer;
    private final String source;
    private final Checkpoints checkpoints;
    private final Clock clock;
    private final TableWrites writes;

    /** Runs table writes one at a time, holding the table's lock. */
    interface TableWrites {
        <T> T serialised(String folder, Supplier<T> write);
    }

    /**
     * @param documents files read
     * @param records records found in them, good and bad
     * @param quarantined records and empty files of the folder sent to quarantine, by this attempt or an earlier one
     * @param write what the table write did; empty when no record was usable
     * @param listing what the folder holds
     */
    record Outcome(long documents, long records, long quarantined, Optional<TrustedWrite.Result> write,
                   FolderListing listing) {
        private ActionCounts counts() {
            return write.map(TrustedWrite.Result::counts).orElse(ActionCounts.NONE);
        }

        long written() {
            return counts().written();
        }

        long alreadyPresent() {
            return counts().alreadyPresent();
        }

        long duplicates() {
            return counts().duplicates();
        }
    }

    BackfillFolder(SparkSession spark, LakeLayout lake, String dataset, DatasetProfile profile, History history,
                   DistributeSettings settings, RecordTyper typer, String source, Checkpoints checkpoints,
                   Clock clock, TableWrites writes) {
        this.spark = spark;
        this.lake = lake;
        this.dataset = dataset;
        this.profile = profile;
        this.history = history;
        this.settings = settings;
        this.typer = typer;
        this.source = source;
        this.checkpoints = checkpoints;
        this.clock = clock;
        this.writes = writes;
    }

    /** Batch id of a folder's rows and quarantined records. */
    static String batchId(String folder) {
        return "backfill:" + folder;
    }

    /**
     * @param quarantineVersion Delta transaction version of the quarantine append, greater than any earlier
     *     attempt's
     */
    Outcome run(String folder, long quarantineVersion, Consumer<String> progress) {
        FolderListing listing = FolderListing.of(lake.storage(), source, folder, history);
        checkpoints.reached("backfill.read:" + folder);
        if (listing.documents().isEmpty()) {
            progress.accept(folder + ": no document under <id>/" + history.documentsUnder() + "/");
            return new Outcome(0, 0, 0, Optional.empty(), listing);
        }
        List<FileTask> tasks = listing.documents().stream()
                .map(f -> new FileTask(f.uri(), folder + "/" + f.relativePath())).toList();
        List<Long> sizes = listing.documents().stream().map(StoredFile::size).toList();
        try (WorkArea work = WorkArea.write(spark, lake.storage(), lake.backfillWork(dataset, folder),
                ParsedRecords.read(spark, tasks, sizes, typer))) {
            Dataset<Row> parsed = work.rows();
            Column usable = col("_error").isNull().and(ParsedRecords.isRecord());
            Column rejectedRow = col("_error").isNotNull().or(ParsedRecords.isEmptyFile());
            Row counts = parsed.agg(sum(when(usable, 1).otherwise(0)), sum(when(rejectedRow, 1).otherwise(0))).first();
            long good = counts.isNullAt(0) ? 0 : counts.getLong(0);
            long rejected = counts.isNullAt(1) ? 0 : counts.getLong(1);
            progress.accept(folder + ": " + tasks.size() + " documents read, " + good + " usable, " + rejected
                    + " to quarantine");
            Dataset<Row> stage = good == 0 ? null
                    : new StageRows(spark, typer).toStage(parsed.filter(usable), lineage(folder));
            Dataset<Row> bad = parsed.filter(col("_error").isNotNull().or(ParsedRecords.isEmptyFile()))
                    .withColumn("_error", coalesce(col("_error"), lit(EMPTY_FILE)))
                    .select(Quarantine.INPUT_COLUMNS.stream().map(c -> col(c)).toArray(Column[]::new));
            Optional<TrustedWrite.Result> write = writes.serialised(folder, () -> {
                if (rejected > 0) {
                    quarantine(bad, folder, quarantineVersion, progress);
                }
                return Optional.ofNullable(stage).map(rows -> new TrustedWrite(spark, lake, STEP, dataset, profile,
                        settings, line -> progress.accept(folder + ": " + line)).write(rows, OptionalLong.of(good),
                        Optional.empty()));
            });
            checkpoints.reached("backfill.written:" + folder);
            return new Outcome(tasks.size(), good + rejected, rejected, write, listing);
        }
    }

    /** Lineage of a backfilled row; batch sequence 0, so a pipeline batch wins a tie on the same version. */
    private Map<String, Column> lineage(String folder) {
        Map<String, Column> lineage = new LinkedHashMap<>();
        lineage.put("_source_file", col("_source_file"));
        lineage.put("_record_index", col("_record_index"));
        lineage.put("_batch_id", lit(batchId(folder)));
        lineage.put("_batch_seq", lit(0L));
        lineage.put("_ingested_at", lit(Timestamp.from(clock.instant())));
        return lineage;
    }

    /** Appends the rejected records quarantine does not hold yet for this folder. */
    private void quarantine(Dataset<Row> rejected, String folder, long version, Consumer<String> progress) {
        String table = lake.quarantineTable(dataset);
        Dataset<Row> fresh = rejected;
        if (DeltaWrites.exists(spark, table)) {
            Dataset<Row> held = spark.read().format("delta").load(table)
                    .filter(col("batch_id").equalTo(batchId(folder)))
                    .select(col("source_file").as("_q_file"), col("record_index").as("_q_index"));
            fresh = rejected.join(held, rejected.col("_source_file").equalTo(held.col("_q_file"))
                    .and(rejected.col("_record_index").equalTo(held.col("_q_index"))), "left_anti");
        }
        long count = fresh.count();
        if (count > 0) {
            Quarantine.append(fresh, lake, dataset, STEP + "-" + folder, version, batchId(folder), clock.instant());
            progress.accept(folder + ": " + count + " records to " + table);
        }
    }
}
