package io.sluice.lake;

import io.delta.tables.DeltaTable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
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
        appendOnce(rows, path, partitions, appId, version, null);
    }

    /**
     * As {@link #appendOnce(Dataset, String, List, String, long)}, with {@code userMetadata} (unless null) recorded in
     * the commit itself: what the commit consumed (a source's offsets) becomes part of the same atomic commit as the
     * rows. Delta's writer does the write; whether it happened before is read from the log's checksum file
     * ({@link DeltaFiles#writeOnce}) instead of the table's whole state, which the writer's own check reconstructs on
     * every append of a table written every hour; where that cannot be (Databricks, whose Delta Lake is its own build,
     * or a Delta build whose classes differ from the jar's), the writer asks as it does.
     */
    public static void appendOnce(Dataset<Row> rows, String path, List<String> partitions, String appId,
                                  long version, String userMetadata) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("txnAppId", appId);
        options.put("txnVersion", Long.toString(version));
        options.put("mergeSchema", "true");
        if (userMetadata != null) {
            options.put("userMetadata", userMetadata);
        }
        if (DeltaFiles.applies()) {
            try {
                DeltaFiles.writeOnce(rows, path, partitions, options);
                return;
            } catch (LinkageError e) {
                // Another Delta build: nothing was committed; its writer below.
            }
        }
        rows.write().format("delta").mode(SaveMode.Append).options(options)
                .partitionBy(partitions.toArray(String[]::new)).save(path);
    }

    /** Runs a DML action (MERGE, DELETE) under Delta's idempotent-DML session settings, restoring them after. */
    public static <T> T onceDml(SparkSession spark, String appId, long version, Supplier<T> action) {
        return SessionConf.with(spark, Map.of(TXN_APP_ID, appId, TXN_VERSION, Long.toString(version)), action);
    }

    public static boolean exists(SparkSession spark, String path) {
        return DeltaTable.isDeltaTable(spark, path);
    }
}
