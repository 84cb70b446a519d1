package io.sluice.steps.trusted;

import io.delta.tables.DeltaTable;
import io.sluice.lake.DeltaMetadata;
import io.sluice.lake.SessionConf;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.struct;

/**
 * The columns {@link Classifier} reads of a Delta trusted table (the key's two hashes, version, payload hash,
 * ingestion order, partition values), kept beside it as a Delta table of few large files: classifying a batch reads
 * those instead of every file of the table, whose partitions make its files many and small (at 20M rows in 5,900
 * partitions, 6,258 files). The cost stays proportional to the table's rows, with a smaller constant; see the README's
 * design section. The key is kept as two 64-bit hashes ({@link TableShape#keyHash}), not as its values: a key of 36
 * characters was 57% of the index's bytes, and decoding it the bulk of the scan. An index of other columns (one
 * written before the hashes) is not current, and is built again from the table by the next write.
 *
 * <p>The index says which version of the table it reflects in a Delta transaction of its own, under an app id that
 * names the table's id (a table dropped and created again is another table). It is used only when the table's
 * commits since that version changed no rows (a compaction or VACUUM changes none); otherwise the batch is
 * classified against the table itself and the index is built again from it after the write. After a write it
 * reflects, the written rows are appended, each with the table version that wrote it, and a key's row is the one
 * of the latest version. A run killed between the table's commit and the index's leaves the index a version
 * behind, which the next run sees and mends.
 *
 * <p>Each write of the index also records the table's row count at the version it reflects (in the commit's
 * {@code userMetadata}): the count before the write, carried forward by the rows each of the write's commits added
 * or deleted by Delta's own metrics, or counted when the index is built. The size of the table's files is planned
 * from it, instead of a count that reads the statistics of every file of the table's state.
 */
public final class KeyIndex {
    /**
     * How the index's files are written, by whatever writes them ({@code maintain}'s compaction too): a timestamp
     * version as Parquet's INT64 of microseconds, which the scan reads as it is, not as Spark's default INT96, which it
     * converts value by value (a scan of a 20M-row index, by hand: 4.3-6.7 s against 6.9-9.1 s).
     */
    public static final Map<String, String> FILE_SETTINGS = Map.of(
            "spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
    /** Column of the index: the version of the table whose commit wrote the row. */
    static final String WRITTEN_IN = "_index_written_in";
    private static final String APP_ID_PREFIX = "sluice-key-index-";
    /** How an index commit's {@code userMetadata} records the table's rows at the version the index reflects. */
    private static final String TABLE_ROWS = "sluice key index; table rows: ";
    /** Index commits looked back through for the recorded row count (an append, then its compaction). */
    private static final int COMMITS_LOOKED_BACK = 4;
    private static final long ROWS_PER_FILE = 4_000_000;
    /**
     * Every write of the index runs with Delta's auto compaction off, whatever the table's properties say (an index
     * created by an earlier release asked for it). Its hook keeps which partitions it compacted in the driver's memory and
     * compacts any partition a driver has not compacted yet: each {@code distribute}, a new driver, rewrote all of
     * the index's small files after its append.
     */
    private static final Map<String, String> WRITE_SETTINGS = withFileSettings(Map.of(
            "spark.databricks.delta.autoCompact.enabled", "false",
            "spark.databricks.delta.properties.defaults.enableDeletionVectors", "false",
            "spark.databricks.delta.properties.defaults.enableChangeDataFeed", "false"));
    /** An index file below this size is small: appends write them, a compaction packs them. */
    private static final long SMALL_FILE_BYTES = 64L * 1024 * 1024;
    /** Small files an index holds before an append compacts them (one append writes one). */
    private static final int SMALL_FILES_BEFORE_COMPACTION = 50;
    private static final Map<String, String> COMPACTION_SETTINGS = withFileSettings(Map.of(
            "spark.databricks.delta.optimize.minFileSize", Long.toString(SMALL_FILE_BYTES),
            "spark.databricks.delta.optimize.maxFileSize", Long.toString(2 * SMALL_FILE_BYTES)));

    private final SparkSession spark;
    private final TableShape shape;
    private final String path;
    private final String table;

    /**
     * @param path where the index is kept
     * @param table the trusted table it indexes
     */
    KeyIndex(SparkSession spark, TableShape shape, String path, String table) {
        this.spark = requireNonNull(spark, "spark is null");
        this.shape = requireNonNull(shape, "shape is null");
        this.path = requireNonNull(path, "path is null");
        this.table = requireNonNull(table, "table is null");
    }

    /**
     * An index that reflects the table.
     *
     * @param rows the index's rows, shaped as {@link TableShape#tableKeys} plus {@value #WRITTEN_IN}
     * @param tableRows the table's rows as the index's last write recorded them; empty when it recorded none
     */
    record Current(Dataset<Row> rows, OptionalLong tableRows) {
    }

    /**
     * The index when it reflects the table at {@code trusted}'s version; empty when it does not (missing, behind a
     * change of rows, of other columns).
     */
    Optional<Current> current(DeltaMetadata trusted) {
        Optional<DeltaMetadata> index = DeltaMetadata.read(spark, path);
        if (index.isEmpty()) {
            return Optional.empty();
        }
        Optional<Long> reflected = index.get().txnVersion(appId(trusted));
        if (reflected.isEmpty() || reflected.get() > trusted.version()
                || !unchangedSince(trusted, reflected.get(), trusted.version())) {
            return Optional.empty();
        }
        Dataset<Row> rows = spark.read().format("delta").load(path);
        if (!sameColumns(rows.schema(), expectedSchema())) {
            return Optional.empty();
        }
        return Optional.of(new Current(rows, recordedTableRows(index.get())));
    }

    /**
     * The table's rows the index's latest write recorded, provided no commit of the index after it changed rows (a
     * compaction changes none; a write by another program does, and leaves the count unknown).
     */
    private static OptionalLong recordedTableRows(DeltaMetadata index) {
        List<DeltaMetadata.Commit> recent = index.commitsFrom(index.version() - COMMITS_LOOKED_BACK + 1);
        for (int i = recent.size() - 1; i >= 0; i--) {
            DeltaMetadata.Commit commit = recent.get(i);
            Optional<String> recorded = commit.userMetadata().filter(m -> m.startsWith(TABLE_ROWS));
            if (recorded.isPresent()) {
                try {
                    return OptionalLong.of(Long.parseLong(recorded.get().substring(TABLE_ROWS.length())));
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
            if (commit.dataChange()) {
                break;
            }
        }
        return OptionalLong.empty();
    }

    /**
     * Keeps the index after a write: appends {@code written} (rows shaped as the table's) when the index reflected the
     * table as of {@code readVersion} and the only changes of rows since are that write's commits; otherwise builds
     * it again from the table.
     *
     * @param readVersion the table's version the batch was classified against; -1 when it did not exist
     * @param wasCurrent whether the index reflected the table at {@code readVersion}
     * @param rowsBefore the table's rows at {@code readVersion}
     * @param written the rows the write committed; empty when it wrote none
     * @param writtenRows how many
     * @param commits the commits the write made (a MERGE of replaced rows, an append of new keys)
     * @param txn the write's Delta transaction, which its commits must carry; empty for a write without one
     * @return what was done, for the step's progress
     */
    String update(long readVersion, boolean wasCurrent, long rowsBefore, Optional<Dataset<Row>> written,
                  long writtenRows, int commits, Optional<DeltaTableWriter.Txn> txn) {
        DeltaMetadata trusted = DeltaMetadata.read(spark, table).orElseThrow(() -> new IllegalStateException(
                "the trusted table " + table + " has no Delta log after the write"));
        long latest = trusted.version();
        if (wasCurrent || readVersion < 0) {
            List<DeltaMetadata.Commit> commitsSince = commitsBetween(trusted, readVersion + 1, latest);
            List<DeltaMetadata.Commit> changes = commitsSince.stream().filter(DeltaMetadata.Commit::dataChange)
                    .toList();
            boolean ours = changes.size() == commits && txn.map(t -> changes.stream()
                    .allMatch(change -> t.carriedBy(change.txns()))).orElse(true);
            if (commitsSince.size() == latest - readVersion && (written.isEmpty() ? changes.isEmpty() : ours)) {
                if (written.isEmpty()) {
                    return "key index: nothing to add";
                }
                long writtenIn = changes.get(changes.size() - 1).version();
                Dataset<Row> rows = shape.tableKeys(written.get()).withColumn(WRITTEN_IN, lit(writtenIn));
                // The written rows come from the batch's stored classification: a few tasks read them, no shuffle.
                write(rows.coalesce(files(writtenRows, 1)), readVersion < 0 ? SaveMode.Overwrite : SaveMode.Append,
                        trusted, latest, rowsAfter(rowsBefore, changes));
                return "key index: added the written rows (table version " + writtenIn + ")" + compactSmallFiles();
            }
        }
        Dataset<Row> all = spark.read().format("delta").option("versionAsOf", latest).load(table);
        long rows = all.count();
        write(shape.tableKeys(all).withColumn(WRITTEN_IN, lit(latest))
                        .repartition(files(rows, spark.sparkContext().defaultParallelism())), SaveMode.Overwrite,
                trusted, latest, OptionalLong.of(rows));
        return "key index: built from the table's " + rows + " rows (table version " + latest + ")";
    }

    /**
     * The table's rows after {@code changes}, from {@code before} and the rows Delta's metrics say each commit added
     * (an append's output rows, a MERGE's inserted less its deleted); empty when a commit's metrics do not say.
     */
    private static OptionalLong rowsAfter(long before, List<DeltaMetadata.Commit> changes) {
        long rows = before;
        for (DeltaMetadata.Commit change : changes) {
            OptionalLong added = switch (change.operation()) {
                case "WRITE" -> change.metric("numOutputRows");
                case "MERGE" -> {
                    OptionalLong inserted = change.metric("numTargetRowsInserted");
                    OptionalLong deleted = change.metric("numTargetRowsDeleted");
                    yield inserted.isPresent() && deleted.isPresent()
                            ? OptionalLong.of(inserted.getAsLong() - deleted.getAsLong()) : OptionalLong.empty();
                }
                default -> OptionalLong.empty();
            };
            if (added.isEmpty()) {
                return added;
            }
            rows += added.getAsLong();
        }
        return OptionalLong.of(rows);
    }

    /** Of the index rows of one key, the one written latest. */
    static Dataset<Row> latestPerKey(Dataset<Row> rows, List<String> keyColumns) {
        Column[] groups = keyColumns.stream().map(KeyIndex::column).toArray(Column[]::new);
        List<Column> others = new ArrayList<>();
        List<Column> out = new ArrayList<>(List.of(groups));
        for (String name : rows.columns()) {
            if (keyColumns.contains(name)) {
                continue;
            }
            others.add(column(name));
            if (!name.equals(WRITTEN_IN)) {
                out.add(col("_latest").getField(name).as(name));
            }
        }
        return rows.groupBy(groups)
                .agg(max_by(struct(others.toArray(Column[]::new)), col(WRITTEN_IN)).as("_latest"))
                .select(out.toArray(Column[]::new));
    }

    /** Files for {@code rows} index rows: one per {@value #ROWS_PER_FILE}, at least {@code least}. */
    private static int files(long rows, int least) {
        return (int) Math.min(10_000, Math.max(least, rows / ROWS_PER_FILE));
    }

    /**
     * Packs the index's small files into files of up to twice {@link #SMALL_FILE_BYTES} once there are
     * {@value #SMALL_FILES_BEFORE_COMPACTION} of them: a compaction every few dozen appends, of what they wrote. A
     * compaction changes no row and keeps the index's transaction, so the index still reflects the same table version;
     * one that fails (a concurrent {@code maintain} compacting it too, say) is left to the next append.
     *
     * @return what was done, to append to the progress line
     */
    private String compactSmallFiles() {
        try {
            DeltaMetadata index = DeltaMetadata.read(spark, path).orElseThrow();
            // The file count comes from the log's checksum; the small files are counted only when it could be enough.
            if (index.fileCount() < SMALL_FILES_BEFORE_COMPACTION
                    || index.snapshot().allFiles().filter(col("size").lt(SMALL_FILE_BYTES)).count()
                    < SMALL_FILES_BEFORE_COMPACTION) {
                return "";
            }
            Row result = SessionConf.with(spark, COMPACTION_SETTINGS, () -> DeltaTable.forPath(spark, path).optimize()
                    .executeCompaction().first());
            Row metrics = result.getStruct(result.fieldIndex("metrics"));
            return "; compacted " + metrics.getLong(metrics.fieldIndex("numFilesRemoved")) + " small files into "
                    + metrics.getLong(metrics.fieldIndex("numFilesAdded"));
        } catch (RuntimeException e) {
            return "; its small files are left to the next append or maintain (" + e + ")";
        }
    }

    private void write(Dataset<Row> rows, SaveMode mode, DeltaMetadata trusted, long reflects,
                       OptionalLong tableRows) {
        SessionConf.run(spark, WRITE_SETTINGS, () -> {
            var writer = rows.write().format("delta").mode(mode)
                    .option("txnAppId", appId(trusted))
                    .option("txnVersion", reflects)
                    .option("overwriteSchema", Boolean.toString(mode == SaveMode.Overwrite));
            tableRows.ifPresent(n -> writer.option("userMetadata", TABLE_ROWS + n));
            writer.save(path);
        });
    }

    /** Whether the table's commits after {@code from} up to {@code to} are all there and none changed rows. */
    private static boolean unchangedSince(DeltaMetadata trusted, long from, long to) {
        List<DeltaMetadata.Commit> commits = commitsBetween(trusted, from + 1, to);
        return commits.size() == to - from && commits.stream().noneMatch(DeltaMetadata.Commit::dataChange);
    }

    /** The commits of versions {@code from} to {@code to}, those the log still holds. */
    private static List<DeltaMetadata.Commit> commitsBetween(DeltaMetadata trusted, long from, long to) {
        if (from > to) {
            return List.of();
        }
        return trusted.commitsFrom(from).stream().filter(c -> c.version() >= from && c.version() <= to).toList();
    }

    private StructType expectedSchema() {
        return shape.tableKeys(spark.read().format("delta").load(table))
                .withColumn(WRITTEN_IN, lit(0L)).schema();
    }

    private static boolean sameColumns(StructType a, StructType b) {
        if (a.fields().length != b.fields().length) {
            return false;
        }
        for (int i = 0; i < a.fields().length; i++) {
            StructField x = a.fields()[i];
            StructField y = b.fields()[i];
            if (!x.name().equals(y.name()) || !x.dataType().sameType(y.dataType())) {
                return false;
            }
        }
        return true;
    }

    private static String appId(DeltaMetadata trusted) {
        return APP_ID_PREFIX + trusted.snapshot().metadata().id();
    }

    /** {@code settings} and {@link #FILE_SETTINGS}. */
    private static Map<String, String> withFileSettings(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.putAll(FILE_SETTINGS);
        return Map.copyOf(all);
    }

    private static Column column(String name) {
        return col("`" + name.replace("`", "``") + "`");
    }
}
