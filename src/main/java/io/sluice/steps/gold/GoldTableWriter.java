package io.sluice.steps.gold;

import io.delta.tables.DeltaTable;
import io.sluice.config.GoldTable;
import io.sluice.lake.DeltaWrites;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * Writes a gold table's rows: the whole table (an overwrite), or the groups a change touched (one MERGE that
 * replaces, inserts and deletes exactly those groups). Each commit carries the Delta transaction of the trusted
 * version it reflects, so the write and the record of what it consumed are one atomic commit, and a repeat of it is
 * skipped by Delta itself.
 */
final class GoldTableWriter {
    /** Marks a touched group the query no longer produces: its gold row is deleted. */
    private static final String GONE = "_sluice_group_gone";

    private final SparkSession spark;
    private final GoldTable table;
    private final String path;
    private final String appId;

    GoldTableWriter(SparkSession spark, GoldTable table, String path, String appId) {
        this.spark = requireNonNull(spark, "spark is null");
        this.table = requireNonNull(table, "table is null");
        this.path = requireNonNull(path, "path is null");
        this.appId = requireNonNull(appId, "appId is null");
    }

    /**
     * Replaces the whole table with {@code rows}.
     *
     * @param recordVersion whether to record {@code trustedVersion} as consumed; false when a rebuild repeats a
     *     version already recorded (Delta would skip the write as a repeat)
     */
    void overwrite(Dataset<Row> rows, long trustedVersion, boolean recordVersion) {
        var writer = rows.write().format("delta").mode(SaveMode.Overwrite).option("overwriteSchema", "true")
                .partitionBy(table.partitions().toArray(String[]::new));
        if (recordVersion) {
            writer = writer.option("txnAppId", appId).option("txnVersion", trustedVersion);
        }
        writer.save(path);
    }

    /**
     * Replaces the groups {@code touched} names with their rows in {@code fresh}: a group with rows is updated or
     * inserted, a group without rows is deleted; no other group is read or rewritten.
     */
    void replaceGroups(Dataset<Row> touched, Dataset<Row> fresh, long trustedVersion) {
        List<String> columns = List.of(fresh.columns());
        Column joined = lit(true);
        for (String key : table.keys()) {
            joined = joined.and(col("k." + quoted(key)).eqNullSafe(col("f." + quoted(key))));
        }
        Column[] select = columns.stream().map(c -> table.keys().contains(c) ? col("k." + quoted(c)).as(c)
                : col("f." + quoted(c)).as(c)).toArray(Column[]::new);
        Dataset<Row> source = touched.as("k")
                .join(fresh.withColumn(GONE, lit(false)).as("f"), joined, "left_outer")
                .select(concat(select, col("f." + GONE).isNull().as(GONE)));
        Column on = lit(true);
        for (String key : table.keys()) {
            on = on.and(col("t." + quoted(key)).eqNullSafe(col("s." + quoted(key))));
        }
        Map<String, Column> values = new LinkedHashMap<>();
        for (String c : columns) {
            values.put(quoted(c), col("s." + quoted(c)));
        }
        Column condition = on;
        DeltaWrites.onceDml(spark, appId, trustedVersion, () -> {
            DeltaTable.forPath(spark, path).as("t").merge(source.as("s"), condition)
                    .whenMatched(col("s." + GONE)).delete()
                    .whenMatched().update(values)
                    .whenNotMatched(col("s." + GONE).unary_$bang()).insert(values)
                    .execute();
            return null;
        });
    }

    private static Column[] concat(Column[] columns, Column last) {
        Column[] all = java.util.Arrays.copyOf(columns, columns.length + 1);
        all[columns.length] = last;
        return all;
    }

    static String quoted(String name) {
        return "`" + name.replace("`", "``") + "`";
    }
}
