package io.sluice.steps.trusted;

import io.delta.tables.DeltaTable;
import io.sluice.lake.DeltaWrites;
import io.sluice.lake.SessionConf;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

/**
 * Writes a classification into a Delta table: creates it, or replaces the rows that newer versions replace with a
 * MERGE whose source is those rows only and whose target side is pruned to the partitions holding them, then
 * appends the new keys' rows. The new keys go through no join, and a table that records its changes gets no
 * change-data file for them (Delta reads an append's inserts from its data files; a MERGE writes a change-data
 * file beside each data file it writes, which doubled the files of a batch spread over thousands of partitions).
 * Each commit carries its own transaction, so a rerun after a kill between them applies only what is missing (the
 * replaced rows are then classified as present). The merge condition and the pruning are Columns with typed
 * literals, so no value of a key or a partition ever becomes SQL text.
 */
final class DeltaTableWriter {
    private static final String AUTO_MERGE = "spark.databricks.delta.schema.autoMerge.enabled";
    private static final String DELETION_VECTORS = "spark.databricks.delta.properties.defaults.enableDeletionVectors";
    /** New trusted tables record their changes, so {@code publish} recomputes only the gold groups they touch. */
    private static final String CHANGE_DATA_FEED = "spark.databricks.delta.properties.defaults.enableChangeDataFeed";
    private static final String MAX_RECORDS = "spark.sql.files.maxRecordsPerFile";
    /** Above this many partitions holding replaced rows, the MERGE scans the whole target instead of listing them. */
    static final int MAX_PRUNED_PARTITIONS = 2000;

    private final SparkSession spark;
    private final TableShape shape;
    private final String path;
    private final boolean deletionVectors;
    private final long rowsPerFile;
    private final Runnable replaced;

    /**
     * @param rowsPerFile rows a file may hold before the write starts another
     * @param deletionVectors whether a new table gets deletion vectors
     * @param replaced called between the commit that replaces rows and the one that adds new keys (a crash point)
     */
    DeltaTableWriter(SparkSession spark, TableShape shape, String path, boolean deletionVectors, long rowsPerFile,
                     Runnable replaced) {
        this.spark = requireNonNull(spark, "spark is null");
        this.shape = requireNonNull(shape, "shape is null");
        this.path = requireNonNull(path, "path is null");
        this.deletionVectors = deletionVectors;
        this.rowsPerFile = rowsPerFile;
        this.replaced = requireNonNull(replaced, "replaced is null");
    }

    /**
     * @param exists whether the table exists already
     * @param txn the Delta transaction (app id, version) that makes the write idempotent; empty for a replay
     * @return the commits the write made, or would have made had a transaction not said they were made before
     */
    int write(Classification classification, boolean exists, Optional<Txn> txn) {
        ActionCounts counts = classification.counts();
        if (counts.written() == 0) {
            return 0;
        }
        int[] commits = {0};
        SessionConf.run(spark, Map.of(MAX_RECORDS, Long.toString(rowsPerFile)), () -> {
            if (!exists) {
                Dataset<Row> rows = rowsOf(classification, classification.landed().size(), Action.INSERT,
                        Action.UPDATE);
                SessionConf.run(spark, Map.of(DELETION_VECTORS, Boolean.toString(deletionVectors),
                                CHANGE_DATA_FEED, "true"),
                        () -> append(rows, txn));
                commits[0]++;
                return;
            }
            if (counts.updated() > 0) {
                merge(rowsOf(classification, counts.updated(), Action.UPDATE), classification,
                        txn.map(Txn::replacing));
                commits[0]++;
                replaced.run();
            }
            if (counts.inserted() > 0) {
                append(rowsOf(classification, classification.landed().size(), Action.INSERT), txn);
                commits[0]++;
            }
        });
        return commits[0];
    }

    /** The table's columns of the rows of {@code actions}, clustered for at most {@code partitions} partitions. */
    private Dataset<Row> rowsOf(Classification classification, long partitions, Action... actions) {
        return shape.clustered(classification.of(actions).select(shape.outputColumns(classification.rows())),
                Math.min(partitions, classification.landed().size()));
    }

    /**
     * The Delta transaction of an idempotent write: the new keys' append carries it; the MERGE that replaces rows
     * carries {@link #replacing}.
     */
    record Txn(String appId, long version) {
        /** The transaction of the same write's MERGE. */
        Txn replacing() {
            return new Txn(appId + "-replace", version);
        }

        /** Whether a commit carrying {@code txns} (app id to version) is one of this write's. */
        boolean carriedBy(Map<String, Long> txns) {
            Long value = version;
            return value.equals(txns.get(appId)) || value.equals(txns.get(replacing().appId()));
        }
    }

    private void append(Dataset<Row> rows, Optional<Txn> txn) {
        if (txn.isPresent()) {
            DeltaWrites.appendOnce(rows, path, shape.partitions(), txn.get().appId(), txn.get().version());
        } else {
            rows.write().format("delta").mode(SaveMode.Append).option("mergeSchema", "true")
                    .partitionBy(shape.partitions().toArray(String[]::new)).save(path);
        }
    }

    /** Replaces the table's rows of the keys of {@code rows}, newer versions of them. */
    private void merge(Dataset<Row> rows, Classification classification, Optional<Txn> txn) {
        Column on = lit(true);
        for (String k : shape.dedupKey()) {
            on = on.and(target(k).eqNullSafe(col("s." + quoted(k))));
        }
        on = on.and(pruning(classification));
        Column condition = on;
        Runnable merge = () -> DeltaTable.forPath(spark, path).as("t")
                .merge(rows.as("s"), condition)
                .whenMatched().updateAll()
                .whenNotMatched().insertAll()
                .execute();
        SessionConf.run(spark, Map.of(AUTO_MERGE, "true"), () -> {
            if (txn.isPresent()) {
                DeltaWrites.onceDml(spark, txn.get().appId(), txn.get().version(), () -> {
                    merge.run();
                    return null;
                });
            } else {
                merge.run();
            }
        });
    }

    /**
     * A literal predicate on the target's partitions holding replaced rows, so the MERGE reads those
     * partitions only; true (no pruning) when there are more than {@value #MAX_PRUNED_PARTITIONS}. It is one
     * {@code struct(partitions) IN (literals)}, which Spark evaluates as a hash lookup per row: an OR of one
     * conjunction per partition grew past what Spark compiles, and the MERGE's scan of the target evaluated it
     * interpreted on every row (13 s of executor time for a million rows at 239 partitions).
     */
    private Column pruning(Classification classification) {
        List<String> partitions = shape.partitions();
        if (partitions.isEmpty()) {
            return lit(true);
        }
        Column[] old = partitions.stream().map(TableShape::theirPartition).toArray(Column[]::new);
        List<Row> replaced = classification.of(Action.UPDATE).select(old).distinct()
                .limit(MAX_PRUNED_PARTITIONS + 1).collectAsList();
        if (replaced.size() > MAX_PRUNED_PARTITIONS) {
            return lit(true);
        }
        Column[] fields = new Column[partitions.size()];
        for (int i = 0; i < partitions.size(); i++) {
            fields[i] = target(partitions.get(i)).as("p" + i);
        }
        Object[] values = replaced.stream().map(row -> {
            Column[] literal = new Column[partitions.size()];
            for (int i = 0; i < partitions.size(); i++) {
                literal[i] = lit(row.get(i)).cast(row.schema().apply(i).dataType()).as("p" + i);
            }
            return struct(literal);
        }).toArray();
        return struct(fields).isin(values);
    }

    private static Column target(String name) {
        return col("t." + quoted(name));
    }

    private static String quoted(String name) {
        return "`" + name.replace("`", "``") + "`";
    }
}
