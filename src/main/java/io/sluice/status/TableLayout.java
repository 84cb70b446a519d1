package io.sluice.status;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.delta.Snapshot;
import scala.collection.JavaConverters;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * The files of a Delta snapshot, per partition, from the log's file list (no data file is opened).
 *
 * @param smallFiles files below the target size
 * @param mostSmallFiles the most small files in one partition
 * @param partitionWithMostSmallFiles that partition as {@code col=value/...}; empty for an unpartitioned table
 * @param busiest files of the partitions holding the most, at most {@value #BUSIEST}, most first
 */
record TableLayout(long files, long bytes, long partitions, long smallFiles, long mostSmallFiles,
                   String partitionWithMostSmallFiles, java.util.Map<String, Long> busiest) {
    static final int BUSIEST = 10;

    static TableLayout of(Snapshot snapshot, long targetFileBytes) {
        List<String> columns = JavaConverters.seqAsJavaList(snapshot.metadata().partitionColumns());
        List<Column> parts = new ArrayList<>();
        for (String c : columns) {
            parts.add(concat_ws("=", lit(c), coalesce(col("partitionValues").getItem(c), lit("__HIVE_DEFAULT_PARTITION__"))));
        }
        Column partition = parts.isEmpty() ? lit("") : concat_ws("/", parts.toArray(Column[]::new));
        Dataset<Row> perPartition = snapshot.allFiles().toDF()
                .withColumn("partition", partition)
                .groupBy("partition")
                .agg(count(lit(1)).as("files"), sum("size").as("bytes"),
                        sum(when(col("size").lt(targetFileBytes), 1).otherwise(0)).as("small"))
                .cache();
        try {
            Row totals = perPartition.agg(coalesce(sum("files"), lit(0L)), coalesce(sum("bytes"), lit(0L)),
                    count(lit(1)), coalesce(sum("small"), lit(0L))).first();
            List<Row> worst = perPartition.orderBy(col("small").desc(), col("partition")).limit(1).collectAsList();
            long most = worst.isEmpty() ? 0 : worst.get(0).getLong(worst.get(0).fieldIndex("small"));
            java.util.Map<String, Long> busiest = new java.util.LinkedHashMap<>();
            perPartition.orderBy(col("files").desc(), col("partition")).limit(BUSIEST).collectAsList()
                    .forEach(row -> busiest.put(row.getString(0).isEmpty() ? "(table)" : row.getString(0),
                            row.getLong(row.fieldIndex("files"))));
            return new TableLayout(totals.getLong(0), totals.getLong(1), totals.getLong(2), totals.getLong(3), most,
                    most == 0 ? "" : worst.get(0).getString(0), busiest);
        } finally {
            perPartition.unpersist();
        }
    }
}
