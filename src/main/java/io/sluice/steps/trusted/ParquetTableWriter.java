package io.sluice.steps.trusted;

import io.sluice.lake.SessionConf;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.lit;

/**
 * Plain Hive-style Parquet for readers without Delta. Dedup is scoped to the partitions the batch lands in:
 * those partitions are read, merged with the batch (the greatest version per key wins) and replaced with a
 * dynamic partition overwrite; other partitions are never read or touched. What does not hold here: a newer
 * version whose partition differs leaves the older row in its old partition, and the overwrite is not atomic
 * (a reader may see a partition half-replaced; a run killed during it must be run again, which converges
 * because the merge is idempotent). Partitions and keys match null-safe, so a null or empty partition value
 * (Hive's default partition) is replaced like any other.
 */
final class ParquetTableWriter {
    private static final String INFER_PARTITION_TYPES = "spark.sql.sources.partitionColumnTypeInference.enabled";

    private final SparkSession spark;
    private final TableShape shape;
    private final String path;
    private final long rowsPerFile;

    ParquetTableWriter(SparkSession spark, TableShape shape, String path, long rowsPerFile) {
        this.spark = requireNonNull(spark, "spark is null");
        this.shape = requireNonNull(shape, "shape is null");
        this.path = requireNonNull(path, "path is null");
        this.rowsPerFile = rowsPerFile;
    }

    /** The table's rows in the partitions {@code deduped} lands in; empty when the table has no data yet. */
    Optional<Dataset<Row>> touchedPartitions(Dataset<Row> deduped, boolean hasData) {
        if (!hasData) {
            return Optional.empty();
        }
        Dataset<Row> table = read(deduped.schema());
        if (shape.partitions().isEmpty()) {
            return Optional.of(table);
        }
        Dataset<Row> values = deduped.select(shape.partitions().stream().map(p -> TableShape.column(p).as("_v_" + p))
                .toArray(Column[]::new)).distinct();
        return Optional.of(table.join(broadcast(values), nullSafeEqual(table, values, shape.partitions(), "_v_"),
                "left_semi"));
    }

    /**
     * The table with its partition columns typed as the batch's: partition values are read as the text of their
     * folder names, never inferred ("007" stays "007", "2024-03-01" stays text), then cast.
     */
    private Dataset<Row> read(StructType batch) {
        Dataset<Row> table = SessionConf.with(spark, Map.of(INFER_PARTITION_TYPES, "false"),
                () -> spark.read().option("mergeSchema", "true").parquet(path));
        for (String p : shape.partitions()) {
            table = table.withColumn(p, TableShape.column(p).cast(batch.apply(p).dataType()));
        }
        return table;
    }

    void write(Classification classification, Optional<Dataset<Row>> touched) {
        if (classification.counts().written() == 0) {
            return;
        }
        Dataset<Row> rows = classification.written().select(shape.outputColumns(classification.rows()));
        if (touched.isPresent()) {
            rows = kept(touched.get(), classification).unionByName(rows, true);
        }
        // Cut the lineage: the overwrite replaces the files this plan reads.
        shape.clustered(rows.localCheckpoint(true), classification.landed().size())
                .write().mode(SaveMode.Overwrite)
                .option("partitionOverwriteMode", "dynamic")
                .option("maxRecordsPerFile", rowsPerFile)
                .partitionBy(shape.partitions().toArray(String[]::new)).parquet(path);
    }

    /** Rows of the touched partitions that the batch does not replace. */
    private Dataset<Row> kept(Dataset<Row> touched, Classification classification) {
        List<String> match = new ArrayList<>(shape.dedupKey());
        match.addAll(shape.partitions());
        Dataset<Row> replaced = classification.of(Action.UPDATE)
                .select(match.stream().map(c -> TableShape.column(c).as("_r_" + c)).toArray(Column[]::new));
        return touched.join(replaced, nullSafeEqual(touched, replaced, match, "_r_"), "left_anti");
    }

    private static Column nullSafeEqual(Dataset<Row> left, Dataset<Row> right, List<String> columns, String prefix) {
        Column on = lit(true);
        for (String c : columns) {
            on = on.and(left.col("`" + c.replace("`", "``") + "`").eqNullSafe(right.col(prefix + c)));
        }
        return on;
    }

}
