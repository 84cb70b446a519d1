package io.sluice.lake;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

/**
 * The ledger of what {@code parse} ingested, one row per landing file or source range of a batch: what re-delivery
 * detection reads, and where {@code distribute} and {@code status} find what was quarantined.
 */
public final class IngestedFiles {
    private static final StructType SCHEMA = DataTypes.createStructType(List.of(
            field("file", "string"), field("fingerprint", "string"), field("batch_seq", "bigint"),
            field("batch_id", "string"), field("records", "bigint"), field("quarantined", "bigint"),
            field("duplicate_of_batch", "string"), field("ingested_at", "timestamp")));

    private IngestedFiles() {
    }

    /**
     * One ingested file or source range.
     *
     * @param file the file's path relative to pending, or the source ({@code kafka://topic/partition})
     * @param fingerprint what identifies its content: a SHA-256, or the source and its range
     * @param duplicateOfBatch the batch that ingested the same content before, or null
     */
    public record Entry(String file, String fingerprint, long records, long quarantined, String duplicateOfBatch) {
    }

    /** Appends a batch's entries, once: a repeated commit of the same batch adds nothing. */
    public static void append(SparkSession spark, LakeLayout lake, String dataset, String step, BatchManifest manifest,
                              List<Entry> entries, Instant at) {
        List<Row> rows = entries.stream().map(e -> RowFactory.create(e.file(), e.fingerprint(), manifest.seq(),
                manifest.batchId(), e.records(), e.quarantined(), e.duplicateOfBatch(), Timestamp.from(at))).toList();
        DeltaWrites.appendOnce(spark.createDataFrame(rows, SCHEMA), lake.ingestedFiles(dataset), List.of(),
                LakeLayout.txnAppId(step, dataset), manifest.seq());
    }

    private static StructField field(String name, String type) {
        return DataTypes.createStructField(name, DataType.fromDDL(type), true);
    }
}
