package io.sluice.bench;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.dayofmonth;
import static org.apache.spark.sql.functions.month;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.to_timestamp;
import static org.apache.spark.sql.functions.year;

/**
 * The events job as one would write it by hand in plain Spark, the yardstick of {@code submit/bench.sh}:
 * infer the JSON schema, drop records without an id or a readable timestamp, keep the latest version per
 * event_id, write Parquet partitioned like the trusted table. It reads JSON lines only (plain or gzip).
 */
public final class PlainSparkBaseline {
    private PlainSparkBaseline() {
    }

    /** Arguments: the input directory, the output directory (replaced). */
    public static void main(String[] args) {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: PlainSparkBaseline <input dir> <output dir>");
        }
        // The session settings of conf/local.yaml, so the comparison is between jobs, not configs.
        SparkSession spark = SparkSession.builder().appName("plain spark baseline")
                .config("spark.sql.shuffle.partitions", "8")
                .config("spark.sql.adaptive.enabled", "true")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.ui.enabled", "false")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            Dataset<Row> events = spark.read().json(args[0])
                    .withColumn("ts", to_timestamp(col("timestamp")))
                    .where(col("event_id").isNotNull().and(col("ts").isNotNull()));
            events.withColumn("version", row_number().over(
                            Window.partitionBy("event_id").orderBy(col("ts").desc())))
                    .where(col("version").equalTo(1))
                    .drop("version")
                    .withColumn("domain_event_type", concat_ws("-", col("domain"), col("event_type")))
                    .withColumn("year", year(col("ts")))
                    .withColumn("month", month(col("ts")))
                    .withColumn("day", dayofmonth(col("ts")))
                    .write()
                    .mode(SaveMode.Overwrite)
                    .partitionBy("domain_event_type", "year", "month", "day")
                    .parquet(args[1]);
        } finally {
            spark.stop();
        }
    }
}
