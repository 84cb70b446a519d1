package io.sluice.lake;

import io.delta.tables.DeltaTable;
import io.sluice.storage.Storage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Delta writes that a retried run may repeat safely: each carries Delta's transaction id and version. */
public final class DeltaWrites {
    private static final String TXN_APP_ID = "spark.databricks.delta.write.txnAppId";
    private static final String TXN_VERSION = "spark.databricks.delta.write.txnVersion";

    private DeltaWrites() {
    }

    /**
     * Appends {@code rows} to the Delta table at {@code path}, creating it partitioned by {@code partitions};
     * a no-op if a write with this {@code appId} reached {@code version} before. New columns merge into the schema.
     */
    public static void appendOnce(Dataset<Row> rows, String path, List<String> partitions, String appId,
                                  long version) {
        rows.write().format("delta").mode(SaveMode.Append)
                .option("txnAppId", appId)
                .option("txnVersion", version)
                .option("mergeSchema", "true")
                .partitionBy(partitions.toArray(String[]::new))
                .save(path);
    }

    /**
     * As {@link #appendOnce(Dataset, String, List, String, long)}, for rows that all fall in the partition
     * {@code partitionValues} (none for a table without partitions): their files are committed as they are written
     * ({@link DeltaFiles#appendRowsOnce}), so a small append to a table written every hour does not reconstruct the
     * table's state to learn whether it happened before. Through Delta's writer where that cannot be (Databricks, a
     * Delta build whose classes differ from the jar's, a table that maps column names or has generated columns or CHECK
     * constraints).
     *
     * @param constants columns holding the same value in every row, for the files' statistics
     */
    public static void appendOnce(SparkSession spark, Storage storage, Dataset<Row> rows, String path,
                                  Map<String, String> partitionValues, Map<String, Object> constants, String appId,
                                  long version) {
        if (DeltaFiles.applies()) {
            try {
                DeltaFiles.appendRowsOnce(spark, storage, path, rows, partitionValues, constants, appId, version);
                return;
            } catch (LinkageError | DeltaFiles.NeedsDeltaWriter e) {
                // Another Delta build, or a table of features only Delta's writer applies: nothing was committed.
            }
        }
        appendOnce(rows, path, new ArrayList<>(partitionValues.keySet()), appId, version);
    }

    /**
     * As {@link #appendOnce(Dataset, String, List, String, long)}, with {@code userMetadata} recorded in the commit
     * itself: what the commit consumed (a source's offsets) becomes part of the same atomic commit as the rows.
     */
    public static void appendOnce(Dataset<Row> rows, String path, List<String> partitions, String appId,
                                  long version, String userMetadata) {
        rows.write().format("delta").mode(SaveMode.Append)
                .option("txnAppId", appId)
                .option("txnVersion", version)
                .option("mergeSchema", "true")
                .option("userMetadata", userMetadata)
                .partitionBy(partitions.toArray(String[]::new))
                .save(path);
    }

    /** Runs a DML action (MERGE, DELETE) under Delta's idempotent-DML session settings, restoring them after. */
    public static <T> T onceDml(SparkSession spark, String appId, long version, Supplier<T> action) {
        return SessionConf.with(spark, Map.of(TXN_APP_ID, appId, TXN_VERSION, Long.toString(version)), action);
    }

    public static boolean exists(SparkSession spark, String path) {
        return DeltaTable.isDeltaTable(spark, path);
    }
}
