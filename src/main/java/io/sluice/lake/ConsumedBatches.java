package io.sluice.lake;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The stage batches a trusted table has consumed: a small Delta table written in the same idempotent way. */
public final class ConsumedBatches {
    private final SparkSession spark;
    private final String path;

    public ConsumedBatches(SparkSession spark, String path) {
        this.spark = spark;
        this.path = path;
    }

    public Set<Long> seqs() {
        Set<Long> seqs = new TreeSet<>();
        if (DeltaWrites.exists(spark, path)) {
            // A row per batch recorded (a few bytes each, a few thousand a year): collected as they are, the set
            // drops a batch recorded twice without the shuffle a distinct would add.
            spark.read().format("delta").load(path).select("batch_seq").collectAsList()
                    .forEach(row -> seqs.add(row.getLong(0)));
        }
        return seqs;
    }

    /** Records {@code seqs} as consumed; once per ({@code appId}, {@code version}). */
    public void record(List<Long> seqs, String appId, long version, Instant at) {
        List<Row> rows = new ArrayList<>();
        for (long seq : seqs) {
            rows.add(RowFactory.create(seq, Timestamp.from(at)));
        }
        var schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("batch_seq", DataType.fromDDL("bigint"), false),
                DataTypes.createStructField("consumed_at", DataType.fromDDL("timestamp"), false)));
        DeltaWrites.appendOnce(spark.createDataFrame(rows, schema), path, List.of(), appId, version);
    }
}
