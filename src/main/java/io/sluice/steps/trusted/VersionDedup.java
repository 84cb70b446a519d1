package io.sluice.steps.trusted;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.negate;
import static org.apache.spark.sql.functions.struct;

/**
 * Collapses a batch to one row per key with one aggregation (no window sort): the greatest
 * (version, ingestion order) wins, so exact duplicates collapse and equal-version conflicts resolve to the
 * later-ingested row. Adds {@code _copies} (rows collapsed into this one) and {@code _tie} (another row had
 * the same version and different content).
 */
final class VersionDedup {
    /** Ingestion order of a stage row: later batch, then file name, then position in the file. */
    static final List<String> INGESTION_ORDER = List.of("_batch_seq", "_source_file", "_record_index");

    private VersionDedup() {
    }

    static Dataset<Row> latest(Dataset<Row> rows, List<String> key, String version) {
        List<Column> order = new ArrayList<>();
        order.add(col(version));
        INGESTION_ORDER.forEach(name -> order.add(col(name)));
        Column ordering = struct(order.toArray(Column[]::new));
        Column all = struct(List.of(rows.columns()).stream().map(c -> col("`" + c + "`")).toArray(Column[]::new));
        Column[] groups = key.stream().map(k -> col("`" + k + "`")).toArray(Column[]::new);
        Dataset<Row> grouped = rows.groupBy(groups).agg(
                max_by(all, ordering).as("_winner"),
                count(lit(1)).as("_copies"),
                max_by(col("_payload_hash"), struct(col(version), col("_payload_hash"))).as("_hash_high"),
                max_by(col("_payload_hash"), struct(col(version), negate(col("_payload_hash")))).as("_hash_low"));
        List<Column> out = new ArrayList<>();
        for (String c : rows.columns()) {
            out.add(col("_winner.`" + c + "`").as(c));
        }
        out.add(col("_copies"));
        out.add(col("_hash_high").notEqual(col("_hash_low")).as("_tie"));
        return grouped.select(out.toArray(Column[]::new));
    }
}
