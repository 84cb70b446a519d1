package io.sluice.steps;

import io.sluice.ingest.ParsedRecords;
import io.sluice.ingest.ReadTally;
import io.sluice.ingest.RecordTyper;
import io.sluice.lake.BatchManifest;
import io.sluice.lake.DeltaFiles;
import io.sluice.lake.LakeLayout;
import io.sluice.lake.SessionConf;
import io.sluice.storage.HadoopStorage;
import io.sluice.storage.Storage;
import io.sluice.storage.StoredFile;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

/**
 * The parsed rows of one parse batch, written once, in the same pass as the parsing, inside the stage table's folder:
 * usable records under {@code sluice_kind=stage/} with every column the stage table has, the rest (rejected
 * records, file-end rows) under {@code sluice_kind=rest/}. Counts, quarantine and ledger read them as they read a
 * {@link io.sluice.lake.WorkArea}; the stage commit then adds the usable records' files to the table as they are
 * ({@link DeltaFiles}) instead of reading and writing them again, which was as long as the parsing itself.
 *
 * <p>A file read in splits: the usable records of its first split go under {@code sluice_kind=stage/} too; those of
 * the later splits go under {@code sluice_kind=shifted/}, with the file's positions as counted ahead of the read
 * (a record per non-blank line). When the read's own counts confirm them, the commit adds both folders' files as
 * they are; where they do not (two values on a line, a value over several lines), the later splits' records are
 * written once more with corrected positions ({@code sluice_kind=corrected/}) and those files are committed
 * instead. Not used for a structured profile, whose stage columns come from the
 * whole batch's documents: that batch is written to the stage table by a second pass. Each attempt writes its own
 * folder ({@code ingest_date=D/ingest_hour=H/sluice-batch-<seq>-<attempt>/}); closing deletes what the table does not
 * reference, and {@code VACUUM} removes what a killed attempt left.
 */
final class StageFiles implements AutoCloseable {
    /** The partition column of the folder: {@code stage}, {@code shifted}, {@code corrected} or {@code rest}. */
    static final String KIND = "sluice_kind";
    private static final String STAGE = "stage";
    /** Where earlier versions kept later splits' records until their positions were known; deleted on sight. */
    private static final String SHIFT = "shift";
    private static final String SHIFTED = "shifted";
    private static final String CORRECTED = "corrected";

    private final Storage storage;
    private final String tablePath;
    /** The folder of this attempt, relative to the table's. */
    private final String relative;
    private final Dataset<Row> rows;
    private final Optional<ReadTally.Counts> tally;
    private final boolean corrected;
    private boolean committed;

    private StageFiles(Storage storage, String tablePath, String relative, ParsedRecords.Positioned rows,
                       Optional<ReadTally.Counts> tally) {
        this.storage = storage;
        this.tablePath = tablePath;
        this.relative = relative;
        this.rows = rows.rows();
        this.corrected = rows.corrected();
        this.tally = tally;
    }

    /**
     * Whether a batch of {@code typer}'s records can be written this way: not on Databricks, whose Delta Lake is its
     * own build (the commit uses Delta's transaction classes; elsewhere a mismatch falls back to a second pass).
     */
    static boolean applies(RecordTyper typer) {
        return !typer.structures() && DeltaFiles.applies()
                && typer.columnNames().stream().noneMatch(name -> name.equalsIgnoreCase(KIND));
    }

    /** Writes {@code parsed}, with the batch's lineage columns, into a new folder of the stage table. */
    static StageFiles write(SparkSession spark, LakeLayout lake, String dataset, BatchManifest manifest,
                            Instant ingestedAt, ParsedRecords.Read read) {
        Dataset<Row> parsed = read.rows();
        Storage storage = lake.storage();
        String table = lake.stageTable(dataset);
        String partition = "ingest_date=" + manifest.date() + "/ingest_hour=" + manifest.hour();
        String prefix = "sluice-batch-" + manifest.seq() + "-";
        // What an earlier, dead attempt at this batch left beside its stage files: never referenced by the table.
        for (String earlier : storage.listDirectories(storage.resolve(table, partition))) {
            if (earlier.startsWith(prefix)) {
                storage.delete(storage.resolve(table, partition + "/" + earlier + "/" + KIND + "=rest"));
                storage.delete(storage.resolve(table, partition + "/" + earlier + "/" + KIND + "=" + SHIFT));
            }
        }
        String relative = partition + "/" + prefix + UUID.randomUUID().toString().substring(0, 8);
        String folder = storage.resolve(table, relative);
        Set<String> columns = Set.of(parsed.columns());
        List<Column> select = new ArrayList<>();
        for (String name : parsed.columns()) {
            select.add(col(name));
        }
        StageRows.lineage(manifest, ingestedAt, List.of()).forEach((name, value) -> {
            if (!columns.contains(name) && !StageCommit.STAGE_PARTITIONS.contains(name)) {
                select.add(value.as(name));
            }
        });
        // A split after a file's first holds positions counted ahead of the read: its usable records go under
        // SHIFTED, written again with corrected positions before the commit if the count was wrong.
        select.add(when(col("_error").isNull().and(ParsedRecords.isRecord()),
                when(col("_split").gt(0), lit(SHIFTED)).otherwise(lit(STAGE))).otherwise(lit("rest")).as(KIND));
        Dataset<Row> rows = parsed.select(select.toArray(Column[]::new));
        try {
            // Up to three outputs of one pass, each task keeping them open: no sort of the batch by the partition
            // column (with a limit of 2 open writers and two outputs, Spark 3.5 still fell back to sorting).
            SessionConf.run(spark, Map.of("spark.sql.optimizer.plannedWrite.enabled", "false",
                    "spark.sql.maxConcurrentOutputFileWriters", "4"),
                    () -> rows.write().partitionBy(KIND).parquet(folder));
        } catch (RuntimeException e) {
            storage.delete(folder);
            throw e;
        }
        Dataset<Row> stored = spark.read().schema(rows.schema()).parquet(folder);
        return new StageFiles(storage, table, relative, read.positioned(stored), read.tally().complete());
    }

    /** The stored rows, with {@value #KIND}; valid until {@link #close}. */
    Dataset<Row> rows() {
        return rows;
    }

    /** What the rows add up to, as the pass that wrote them counted; empty if it could not. */
    Optional<ReadTally.Counts> tally() {
        return tally;
    }

    /**
     * Adds the usable records' files to the stage table, in the commit keyed by {@code appId} and the batch's
     * sequence number; nothing if that commit happened before. {@code stageRows} are the rows the table gets
     * (their columns, not their data, are used): the same commit creates the table or adds the columns it lacks.
     *
     * @param userMetadata recorded in the commit ({@link io.sluice.lake.CommittedBatches#userMetadata})
     * @return the commit; empty when it happened before
     */
    Optional<DeltaFiles.Commit> commitOnce(SparkSession spark, Dataset<Row> stageRows, BatchManifest manifest,
                                           String appId, String userMetadata) {
        Configuration conf = spark.sessionState().newHadoopConf();
        List<DeltaFiles.DataFile> files = new ArrayList<>();
        if (corrected) {
            String folder = storage.resolve(tablePath, relative + "/" + KIND + "=" + CORRECTED);
            storage.delete(folder);
            if (storage.listFiles(storage.resolve(tablePath, relative + "/" + KIND + "=" + SHIFTED)).stream()
                    .anyMatch(file -> !file.hidden() && file.relativePath().endsWith(".parquet"))) {
                rows.filter(col(KIND).equalTo(SHIFTED)).drop(KIND).write().parquet(folder);
            }
        }
        for (String kind : List.of(STAGE, corrected ? CORRECTED : SHIFTED)) {
            String folder = relative + "/" + KIND + "=" + kind;
            for (StoredFile file : storage.listFiles(storage.resolve(tablePath, folder))) {
                if (!file.hidden() && file.relativePath().endsWith(".parquet")) {
                    files.add(new DeltaFiles.DataFile(folder + "/" + file.relativePath(), file.size(),
                            file.modifiedMillis(), records(file.uri(), conf)));
                }
            }
        }
        Map<String, String> partitionValues = new LinkedHashMap<>();
        partitionValues.put("ingest_date", manifest.date());
        partitionValues.put("ingest_hour", Integer.toString(manifest.hour()));
        Optional<DeltaFiles.Commit> commit = DeltaFiles.appendOnce(spark, tablePath, files, partitionValues,
                Map.of("_batch_seq", manifest.seq()), stageRows.schema(), appId, manifest.seq(), userMetadata);
        committed = commit.isPresent();
        return commit;
    }

    private static long records(String uri, Configuration conf) {
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(HadoopStorage.path(uri),
                conf))) {
            return reader.getRecordCount();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the footer of " + uri + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        String folder = storage.resolve(tablePath, relative);
        if (committed) {
            storage.delete(storage.resolve(folder, KIND + "=rest"));
            storage.delete(storage.resolve(folder, KIND + "=" + (corrected ? SHIFTED : CORRECTED)));
            storage.delete(storage.resolve(folder, KIND + "=" + CORRECTED + "/_SUCCESS"));
            storage.delete(storage.resolve(folder, "_SUCCESS"));
        } else {
            storage.delete(folder);
            // A batch that committed nothing into a table not created yet leaves no folder behind.
            if (!storage.exists(storage.resolve(tablePath, "_delta_log"))
                    && storage.listFiles(tablePath).isEmpty()) {
                storage.delete(tablePath);
            }
        }
    }
}
