package io.sluice.lake;

import io.delta.tables.DeltaTable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

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
