package io.sluice.bench;

import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The yardstick of {@code parse} in {@code submit/bench.sh --shape parse}: Spark's own JSON reader with the
 * events profile as an explicit schema (no inference pass, {@code data} kept as JSON text, a corrupt-record
 * column like parse's quarantine), writing the same files to Parquet. No dedup, no Delta: the floor a parse
 * step can be compared with.
 */
public final class SparkJsonToParquet {
    /** The events profile of conf/local.yaml, as Spark reads it. */
    static final StructType EVENTS = new StructType()
            .add("event_id", DataTypes.StringType)
            .add("timestamp", DataTypes.TimestampType)
            .add("domain", DataTypes.StringType)
            .add("event_type", DataTypes.StringType)
            .add("data", DataTypes.StringType)
            .add("_corrupt_record", DataTypes.StringType);

    private SparkJsonToParquet() {
    }

    /** Arguments: the input directory, the output directory (replaced). */
    public static void main(String[] args) {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: SparkJsonToParquet <input dir> <output dir>");
        }
        SparkSession spark = SparkSession.builder().appName("spark json to parquet")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.ui.enabled", "false")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            spark.read().schema(EVENTS)
                    .option("mode", "PERMISSIVE")
                    .option("columnNameOfCorruptRecord", "_corrupt_record")
                    .json(args[0])
                    .write().mode(SaveMode.Overwrite).parquet(args[1]);
        } finally {
            spark.stop();
        }
    }
}
