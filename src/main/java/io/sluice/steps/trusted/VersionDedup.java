package io.sluice.steps.trusted;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.negate;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;

/**
 * Collapses a batch to one row per key: the greatest (version, ingestion order) wins, so exact duplicates
 * collapse and equal-version conflicts resolve to the later-ingested row. Adds {@code _copies} (rows collapsed
 * into this one) and {@code _tie} (another row had the same version and different content).
 *
 * <p>One window over the key, ordered by version and ingestion order: a shuffle by key and one sort of the
 * batch. An aggregation keeping the winning row ({@code max_by} of the whole row) needs the same shuffle, but its
 * buffer is a struct, so Spark plans it as a sort-based aggregation with a partial aggregation before the
 * shuffle: two sorts of every row, the first of which collapses nothing when most keys come once.
 */
final class VersionDedup {
    /** Ingestion order of a stage row: later batch, then file name, then position in the file. */
    static final List<String> INGESTION_ORDER = List.of("_batch_seq", "_source_file", "_record_index");

    private static final String RANK = "_rank";

    private VersionDedup() {
    }

    static Dataset<Row> latest(Dataset<Row> rows, List<String> key, String version) {
        Column[] groups = key.stream().map(TableShape::column).toArray(Column[]::new);
        Column versionColumn = TableShape.column(version);
        List<Column> latestFirst = new ArrayList<>();
        latestFirst.add(versionColumn.desc_nulls_last());
        INGESTION_ORDER.forEach(name -> latestFirst.add(col(name).desc_nulls_last()));
        WindowSpec byKey = Window.partitionBy(groups).orderBy(latestFirst.toArray(Column[]::new));
        WindowSpec wholeKey = byKey.rowsBetween(Window.unboundedPreceding(), Window.unboundedFollowing());
        Column hash = col("_payload_hash");
        List<Column> out = new ArrayList<>();
        for (String c : rows.columns()) {
            out.add(TableShape.column(c));
        }
        out.add(col("_copies"));
        out.add(col("_hash_high").notEqual(col("_hash_low")).as("_tie"));
        return rows
                .withColumn(RANK, row_number().over(byKey))
                .withColumn("_copies", count(lit(1)).over(wholeKey))
                // Among the rows of the winning version (a null version below any other), the greatest and the
                // least payload hash: unequal when that version came with two contents.
                .withColumn("_hash_high", max_by(hash, struct(versionColumn, hash)).over(wholeKey))
                .withColumn("_hash_low", max_by(hash, struct(versionColumn, negate(hash))).over(wholeKey))
                .where(col(RANK).equalTo(1))
                .select(out.toArray(Column[]::new));
    }
}
