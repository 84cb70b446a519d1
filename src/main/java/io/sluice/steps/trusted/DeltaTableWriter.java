package io.sluice.steps.trusted;

import io.delta.tables.DeltaTable;
import io.sluice.lake.DeltaFiles;
import io.sluice.lake.DeltaWrites;
import io.sluice.lake.SessionConf;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Literal;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;

/**
 * Writes a classification into a Delta table: creates it, or writes the batch into it in one commit where the table
 * has deletion vectors — the rows that newer versions replace are marked deleted in the files holding them, which
 * are scanned once and not rewritten, and the newer versions and new keys are appended (one write, no join) — or
 * else in two: a MERGE whose source is the replaced rows only and whose target side is pruned to the partitions
 * holding them, then an append of the new keys. The MERGE has a matched clause only: Spark then joins the target to
 * the broadcast source with no shuffle of the target's rows (a not-matched clause makes it an outer join that
 * shuffles every row of the touched files). A replaced row the write did not find where the classification did
 * (deleted or moved meanwhile by another writer, say) makes the one-commit write commit nothing, and the MERGE's
 * metrics show it too: a second MERGE against the whole table then writes it, so no newer version is lost. The new
 * keys go through no join, and a table that records its changes gets no change-data file for them (Delta reads an
 * append's inserts from its data files, and deletes from deletion vectors; a MERGE writes a change-data file beside
 * each data file it writes, which doubled the files of a batch spread over thousands of partitions).
 * Each commit carries its own transaction, so a rerun after a kill between the MERGE and the append applies only
 * what is missing (the replaced rows are then classified as present). The conditions and the pruning are Columns
 * with typed literals, so no value of a key or a partition ever becomes SQL text.
 */
final class DeltaTableWriter {
    private static final String AUTO_MERGE = "spark.databricks.delta.schema.autoMerge.enabled";
    private static final String DELETION_VECTORS = "spark.databricks.delta.properties.defaults.enableDeletionVectors";
    /** New trusted tables record their changes, so {@code publish} recomputes only the gold groups they touch. */
    private static final String CHANGE_DATA_FEED = "spark.databricks.delta.properties.defaults.enableChangeDataFeed";
    private static final String MAX_RECORDS = "spark.sql.files.maxRecordsPerFile";
    private static final String REPARTITION_BEFORE_WRITE = "spark.databricks.delta.merge.repartitionBeforeWrite.enabled";
    private static final String USER_METADATA = "spark.databricks.delta.commitInfo.userMetadata";
    /**
     * At most this many replaced rows are broadcast to the MERGE's join; more go through Spark's own choice of join.
     */
    static final long BROADCAST_REPLACED_ROWS = 100_000;
    /** Above this many partitions holding replaced rows, the MERGE scans the whole target instead of listing them. */
    static final int MAX_PRUNED_PARTITIONS = 2000;
    /** Above this many replaced rows, a MERGE replaces them instead of deletion vectors in the batch's one commit. */
    static final long MAX_LISTED_KEYS = 20_000;

    private final SparkSession spark;
    private final TableShape shape;
    private final String path;
    private final boolean deletionVectors;
    private final long rowsPerFile;
    private final Runnable replaced;
    private final Consumer<String> progress;

    /**
     * @param rowsPerFile rows a file may hold before the write starts another
     * @param deletionVectors whether a new table gets deletion vectors
     * @param replaced called between the MERGE that replaces rows and the append of new keys (a crash point)
     * @param progress told when a MERGE found fewer older versions than the classification did
     */
    DeltaTableWriter(SparkSession spark, TableShape shape, String path, boolean deletionVectors, long rowsPerFile,
                     Runnable replaced, Consumer<String> progress) {
        this.spark = requireNonNull(spark, "spark is null");
        this.shape = requireNonNull(shape, "shape is null");
        this.path = requireNonNull(path, "path is null");
        this.deletionVectors = deletionVectors;
        this.rowsPerFile = rowsPerFile;
        this.replaced = requireNonNull(replaced, "replaced is null");
        this.progress = requireNonNull(progress, "progress is null");
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
            if (counts.updated() > 0 && writtenInOneCommit(classification, txn)) {
                commits[0]++;
                return;
            }
            if (counts.updated() > 0) {
                merge(rowsOf(classification, counts.updated(), Action.UPDATE), classification, counts.updated(),
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

    /**
     * Replaces the table's rows of the keys of {@code rows}, newer versions of them: one MERGE pruned to the
     * partitions the classification found them in; if its commit says it updated other than {@code expected} rows,
     * a second MERGE over the whole table writes what the first did not.
     */
    private void merge(Dataset<Row> rows, Classification classification, long expected, Optional<Txn> txn) {
        Column condition = sameKey().and(pruning(classification));
        boolean small = expected <= BROADCAST_REPLACED_ROWS;
        Dataset<Row> source = small ? broadcast(rows) : rows;
        String commit = "sluice: newer versions (" + UUID.randomUUID() + ")";
        Runnable merge = () -> DeltaTable.forPath(spark, path).as("t")
                .merge(source.as("s"), condition)
                .whenMatched().updateAll()
                .execute();
        // With the source broadcast, each task of the target's scan writes the rows it found; Delta's repartition
        // by partition values before the write would put all of a small MERGE's files in one task.
        Map<String, String> settings = Map.of(AUTO_MERGE, "true", USER_METADATA, commit,
                REPARTITION_BEFORE_WRITE, Boolean.toString(!small));
        SessionConf.run(spark, settings, () -> {
            if (txn.isPresent()) {
                DeltaWrites.onceDml(spark, txn.get().appId(), txn.get().version(), () -> {
                    merge.run();
                    return null;
                });
            } else {
                merge.run();
            }
        });
        Optional<Long> updated = updatedRows(commit);
        if (updated.isPresent() && updated.get() != expected) {
            progress.accept("trusted: " + updated.get() + " of " + expected + " older versions were where the"
                    + " classification found them; merging the newer versions again against the whole table");
            mergeNotWritten(rows);
        }
    }

    /**
     * Writes the whole batch in one commit ({@link DeltaFiles#replaceOnce}): deletion vectors mark the rows newer
     * versions replace, in files scanned once and not rewritten, and the newer versions and new keys are appended.
     * The rows to mark are looked for in the partitions the classification found them in, and there only in the
     * files whose statistics allow one of the batches that wrote them ({@code _batch_seq}, which the classification
     * read beside each older version; one list for all partitions, as Delta skips files by a column's minimum and
     * maximum, not by pairs of columns): newer versions of rows a few batches wrote skip the files of the others.
     * Only for a write with a transaction, at most {@value #MAX_LISTED_KEYS} replaced rows (their keys are the
     * condition's literals), no key null, into a table with deletion vectors, and with the Delta build of this jar;
     * false when it committed nothing (one of those does not hold, or the older versions were not all where the
     * classification found them), for the MERGE and the append to write the batch.
     */
    private boolean writtenInOneCommit(Classification classification, Optional<Txn> txn) {
        long expected = classification.counts().updated();
        if (txn.isEmpty() || expected > MAX_LISTED_KEYS || !DeltaFiles.applies()) {
            return false;
        }
        List<String> keys = shape.dedupKey();
        List<String> partitions = shape.partitions();
        // Each replaced row's key, partition and batch, as a struct each: rows of their own values and types.
        Column where = partitions.isEmpty() ? lit(null)
                : struct(partitions.stream().map(TableShape::theirPartition).toArray(Column[]::new));
        List<Row> replaced = classification.of(Action.UPDATE)
                .select(struct(keys.stream().map(k -> col(quoted(k))).toArray(Column[]::new)), where,
                        struct(col(TableShape.THEIRS + TableShape.BATCH_SEQ)))
                .collectAsList();
        List<Row> values = replaced.stream().map(row -> row.getStruct(0)).toList();
        if (values.size() != expected || values.stream().anyMatch(Row::anyNull)) {
            return false;
        }
        Column condition = in(keys, values)
                .and(partitions.isEmpty() ? lit(true)
                        : pruning(replaced.stream().map(row -> row.getStruct(1)).distinct().toList()))
                .and(writtenBy(replaced.stream().map(row -> row.getStruct(2)).toList()));
        Dataset<Row> rows = rowsOf(classification, classification.landed().size(), Action.INSERT, Action.UPDATE);
        try {
            DeltaFiles.Replacement done = DeltaFiles.replaceOnce(rows, classification.counts().written(), path,
                    partitions, "t", condition, expected, Map.of("mergeSchema", "true"), txn.get().appId(),
                    txn.get().version());
            if (done.tableFiles() > 0) {
                progress.accept("trusted: the " + expected + " older versions looked for in " + done.filesRead()
                        + " of the table's " + done.tableFiles() + " files");
            }
            return done.outcome() != DeltaFiles.Outcome.NOT_COMMITTED;
        } catch (LinkageError e) {
            // Another Delta build: nothing was committed; the MERGE and the append write the batch.
            return false;
        }
    }

    /**
     * The target's rows written by one of the batches in {@code batches} (rows of one {@code _batch_seq} each, as the
     * classification read them beside the older versions): a filter Delta's file skipping applies by each file's
     * minimum and maximum; true (no filter) when one is unknown.
     */
    private static Column writtenBy(List<Row> batches) {
        if (batches.stream().anyMatch(row -> row.isNullAt(0))) {
            return lit(true);
        }
        return in(List.of(TableShape.BATCH_SEQ), batches.stream().distinct().toList());
    }

    /**
     * Writes the rows of {@code rows} the table does not hold yet (the same lineage: batch, file, position) over
     * the table's row of their key wherever it is, or as new rows where the key is gone.
     */
    private void mergeNotWritten(Dataset<Row> rows) {
        Column written = lit(true);
        for (String lineage : VersionDedup.INGESTION_ORDER) {
            written = written.and(target(lineage).eqNullSafe(col("s." + quoted(lineage))));
        }
        Column notWritten = not(written);
        SessionConf.run(spark, Map.of(AUTO_MERGE, "true"), () -> DeltaTable.forPath(spark, path).as("t")
                .merge(rows.as("s"), sameKey())
                .whenMatched(notWritten).updateAll()
                .whenNotMatched().insertAll()
                .execute());
    }

    /** The rows the commit carrying {@code userMetadata} updated, from its metrics; empty if there is none. */
    private Optional<Long> updatedRows(String userMetadata) {
        List<Row> found = DeltaTable.forPath(spark, path).history(5)
                .where(col("userMetadata").equalTo(lit(userMetadata)))
                .select(col("operationMetrics").getItem("numTargetRowsUpdated")).collectAsList();
        if (found.isEmpty() || found.get(0).isNullAt(0)) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(found.get(0).getString(0)));
    }

    private Column sameKey() {
        Column on = lit(true);
        for (String k : shape.dedupKey()) {
            on = on.and(target(k).eqNullSafe(col("s." + quoted(k))));
        }
        return on;
    }

    /**
     * A literal predicate on the target's partitions holding replaced rows, so the MERGE reads those
     * partitions only; true (no pruning) when there are more than {@value #MAX_PRUNED_PARTITIONS}.
     */
    private Column pruning(Classification classification) {
        List<String> partitions = shape.partitions();
        if (partitions.isEmpty()) {
            return lit(true);
        }
        Column[] old = partitions.stream().map(TableShape::theirPartition).toArray(Column[]::new);
        return pruning(classification.of(Action.UPDATE).select(old).distinct().limit(MAX_PRUNED_PARTITIONS + 1)
                .collectAsList());
    }

    /** The same predicate on the partitions {@code replaced} (distinct rows of their values) holding replaced rows. */
    private Column pruning(List<Row> replaced) {
        List<String> partitions = shape.partitions();
        return partitions.isEmpty() || replaced.size() > MAX_PRUNED_PARTITIONS ? lit(true) : in(partitions, replaced);
    }

    /**
     * Whether the target's {@code columns} are one of {@code values} (rows of those columns' values, in order): one
     * {@code struct(columns) IN (literals)}, which Spark evaluates as a hash lookup per row (an OR of one conjunction
     * per value grew past what Spark compiles, and the scan evaluated it interpreted on every row: 13 s of executor
     * time for a million rows at 239 partitions); of one column and no null, a plain {@code column IN (literals)},
     * which builds no struct per row and which Delta's file skipping applies by each file's minimum and maximum. The
     * literals are typed values, never SQL text.
     */
    private static Column in(List<String> columns, List<Row> values) {
        if (columns.size() == 1 && values.stream().noneMatch(row -> row.isNullAt(0))) {
            return target(columns.get(0)).isin(values.stream().map(row -> literal(row, 0)).toArray());
        }
        Column[] fields = new Column[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            fields[i] = target(columns.get(i)).as("p" + i);
        }
        Object[] literals = values.stream().map(row -> {
            Column[] literal = new Column[columns.size()];
            for (int i = 0; i < columns.size(); i++) {
                literal[i] = literal(row, i).as("p" + i);
            }
            return struct(literal);
        }).toArray();
        return struct(fields).isin(literals);
    }

    /**
     * The value of {@code row}'s field {@code i} as a literal of the field's type: a literal, not a cast of one, for
     * Delta's file skipping takes only literals.
     */
    private static Column literal(Row row, int i) {
        return new Column(Literal.create(row.get(i), row.schema().apply(i).dataType()));
    }

    private static Column target(String name) {
        return col("t." + quoted(name));
    }

    private static String quoted(String name) {
        return "`" + name.replace("`", "``") + "`";
    }
}
