package io.sluice.lake;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * The quarantine table of a dataset: every record a step could not use, with its raw text, the reason,
 * where it came from and when. Partitioned by the date it was quarantined.
 */
public final class Quarantine {
    /** Columns every step provides: {@code _raw}, {@code _error}, {@code _source_file}, {@code _record_index}, {@code _record_line}. */
    public static final List<String> INPUT_COLUMNS =
            List.of("_raw", "_error", "_source_file", "_record_index", "_record_line");

    private Quarantine() {
    }

    /** Appends {@code rejected} once for ({@code step}, {@code version}). */
    public static void append(Dataset<Row> rejected, LakeLayout lake, String dataset, String step, long version,
                              String batchId, Instant at) {
        Column[] columns = {
                col("_raw").as("raw"),
                col("_error").as("reason"),
                col("_source_file").as("source_file"),
                col("_record_index").as("record_index"),
                col("_record_line").as("record_line"),
                lit(step).as("step"),
                lit(batchId).as("batch_id"),
                lit(version).as("batch_seq"),
                lit(Timestamp.from(at)).as("quarantined_at"),
                lit(at.toString().substring(0, 10)).as("quarantine_date")};
        DeltaWrites.appendOnce(rejected.select(columns), lake.quarantineTable(dataset), List.of("quarantine_date"),
                LakeLayout.txnAppId(step, dataset), version);
    }
}
