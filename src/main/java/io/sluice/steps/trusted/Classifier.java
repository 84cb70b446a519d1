package io.sluice.steps.trusted;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * Names what each deduplicated batch row is against the table's row of the same key: {@link Action#INSERT},
 * {@link Action#UPDATE}, {@link Action#STALE} or {@link Action#SAME}. The greater version wins; on equal
 * versions, identical content is the same row and different content goes to the later-ingested row.
 */
final class Classifier {
    /** The column holding each row's {@link Action} name. */
    static final String ACTION = "_action";

    /** Batches of at most this many keys are broadcast to pick the table's candidate rows. */
    static final long BROADCAST_KEYS = 500_000;
    /**
     * The table's rows of the keys of a batch of at most this many keys (one per key, each its key hashes, version,
     * partition and lineage: ~170 bytes as Spark ships them, ~35 MB at most) are broadcast to the batch's rows.
     */
    static final long BROADCAST_CANDIDATES = 200_000;

    private final TableShape shape;
    private final OptionalLong batchKeysAtMost;
    private final LongSupplier batchKeys;

    /**
     * @param batchKeysAtMost at least as many as the rows of the deduplicated batch, when known (the stage rows it was
     *     made of): within the broadcast's bound, the batch is not counted
     * @param batchKeys counts the rows of the deduplicated batch (one per key); asked only when there is a table to
     *     classify against and no bound within the broadcast's
     */
    Classifier(TableShape shape, OptionalLong batchKeysAtMost, LongSupplier batchKeys) {
        this.shape = requireNonNull(shape, "shape is null");
        this.batchKeysAtMost = requireNonNull(batchKeysAtMost, "batchKeysAtMost is null");
        this.batchKeys = requireNonNull(batchKeys, "batchKeys is null");
    }

    /**
     * @param deduped the batch, one row per dedup key ({@link TableShape#prepare}), cached by the caller until the
     *     classification is closed
     * @param tableKeys the table's keys ({@link TableShape#tableKeys}), empty for a table that does not exist
     * @param scope columns that must match too: the partitions, for Parquet's partition-scoped dedup
     */
    Classification classify(Dataset<Row> deduped, Optional<Dataset<Row>> tableKeys, List<String> scope) {
        // Against no table every row is new: the batch's own cache serves, with the action beside each row.
        Dataset<Row> classified = tableKeys.map(keys -> against(deduped, keys, scope)
                        .persist(StorageLevel.MEMORY_AND_DISK_SER()))
                .orElseGet(() -> deduped.withColumn(ACTION, lit(Action.INSERT.name())));
        return tally(classified);
    }

    /**
     * The batch left-joined to the table's rows of the same keys, matched by the keys' hashes
     * ({@link TableShape#keyHash}). A batch of at most {@value #BROADCAST_KEYS} keys first picks the table's matching
     * rows with a broadcast semi-join — one scan of the table's key columns and a hash probe per row, no shuffle or
     * sort of the table — so the cost of a small batch into a large table stays near the cost of reading its key
     * columns.
     */
    private Dataset<Row> against(Dataset<Row> deduped, Dataset<Row> keys, List<String> scope) {
        List<String> theirKey = TableShape.KEY_HASH.stream().map(k -> TableShape.THEIRS + k).toList();
        Column[] ourKey = shape.keyHash(deduped);
        Dataset<Row> candidates = keys;
        long keysAtMost = keysAtMost();
        if (keysAtMost <= BROADCAST_KEYS) {
            Column[] wantedKey = new Column[ourKey.length];
            for (int i = 0; i < ourKey.length; i++) {
                wantedKey[i] = ourKey[i].as("_b_" + i);
            }
            Dataset<Row> wanted = deduped.select(wantedKey);
            // The probe is by the first hash alone, a single long key: Spark's map of longs, no row built per
            // probe. The second hash is a condition on a match, written as an XOR so that it is not a second key.
            Column same = keys.col(theirKey.get(0)).equalTo(wanted.col("_b_0"));
            for (int i = 1; i < ourKey.length; i++) {
                same = same.and(keys.col(theirKey.get(i)).bitwiseXOR(wanted.col("_b_" + i)).equalTo(0L));
            }
            candidates = keys.join(broadcast(wanted), same, "left_semi");
        }
        if (List.of(keys.columns()).contains(KeyIndex.WRITTEN_IN)) {
            candidates = KeyIndex.latestPerKey(candidates, theirKey);
        }
        Column on = lit(true);
        for (int i = 0; i < ourKey.length; i++) {
            on = on.and(ourKey[i].equalTo(candidates.col(theirKey.get(i))));
        }
        for (String p : scope) {
            on = on.and(deduped.col(quoted(p)).eqNullSafe(candidates.col(TableShape.THEIRS + "p_" + p)));
        }
        // A Delta table's rows of a small batch's keys, one per key, are broadcast: they meet the batch's rows where
        // they are. Left to Spark, the batch's rows were shuffled by their key hashes for a sort-merge join (the
        // table's side is estimated from the whole index) before adaptive execution found the candidates small.
        boolean broadcastCandidates = scope.isEmpty() && keysAtMost <= BROADCAST_CANDIDATES;
        Dataset<Row> joined = deduped.join(broadcastCandidates ? broadcast(candidates) : candidates, on, "left");
        Column version = TableShape.column(shape.version());
        Column theirs = shape.theirVersion();
        Column laterIngested = ingestionOrder("").gt(ingestionOrder(TableShape.THEIRS));
        Column sameVersion = version.eqNullSafe(theirs);
        Column action = when(col(TableShape.THEIRS + "hash").isNull(), lit(Action.INSERT.name()))
                .when(version.gt(theirs).or(version.isNotNull().and(theirs.isNull())), lit(Action.UPDATE.name()))
                .when(version.lt(theirs).or(version.isNull().and(theirs.isNotNull())), lit(Action.STALE.name()))
                .when(col("_payload_hash").equalTo(col(TableShape.THEIRS + "hash")), lit(Action.SAME.name()))
                .when(laterIngested, lit(Action.UPDATE.name()))
                .otherwise(lit(Action.STALE.name()));
        Column tie = col("_tie").or(coalesce(sameVersion.and(col("_payload_hash")
                .notEqual(col(TableShape.THEIRS + "hash"))), lit(false)));
        return joined.withColumn(ACTION, action).withColumn("_tie", tie);
    }

    /**
     * At least as many as the batch's keys: the bound when it is within {@value #BROADCAST_KEYS}, which spares a Spark
     * job that deduplicates the batch only to count it (the broadcast's own job then fills the batch's cache, as the
     * tally's does into no table), else the count.
     */
    private long keysAtMost() {
        return batchKeysAtMost.isPresent() && batchKeysAtMost.getAsLong() <= BROADCAST_KEYS
                ? batchKeysAtMost.getAsLong() : batchKeys.getAsLong();
    }

    private static String quoted(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    /** (batch sequence, file, position) of the batch row, or of the table's row with {@code prefix}. */
    private static Column ingestionOrder(String prefix) {
        List<Column> fields = new ArrayList<>();
        for (int i = 0; i < VersionDedup.INGESTION_ORDER.size(); i++) {
            fields.add(col(prefix + VersionDedup.INGESTION_ORDER.get(i)).as("o" + i));
        }
        return struct(fields.toArray(Column[]::new));
    }

    /** Counts per action and rows written per partition, from one Spark job over the classification. */
    private Classification tally(Dataset<Row> classified) {
        List<Column> groups = new ArrayList<>();
        groups.add(col(ACTION));
        shape.partitions().forEach(p -> groups.add(TableShape.column(p)));
        int width = shape.partitions().size();
        long[] perAction = new long[Action.values().length];
        long read = 0;
        long ties = 0;
        List<PartitionRows> landed = new ArrayList<>();
        for (Row row : classified.groupBy(groups.toArray(Column[]::new))
                .agg(count(lit(1)), sum("_copies"), sum(when(col("_tie"), 1).otherwise(0))).collectAsList()) {
            Action action = Action.valueOf(row.getString(0));
            long rows = row.getLong(width + 1);
            perAction[action.ordinal()] += rows;
            read += row.getLong(width + 2);
            ties += row.getLong(width + 3);
            if (action.written()) {
                List<Object> values = new ArrayList<>();
                for (int i = 0; i < width; i++) {
                    values.add(row.get(i + 1));
                }
                landed.add(new PartitionRows(values, rows));
            }
        }
        long kept = java.util.Arrays.stream(perAction).sum();
        ActionCounts counts = new ActionCounts(read, read - kept, perAction[Action.INSERT.ordinal()],
                perAction[Action.UPDATE.ordinal()], perAction[Action.STALE.ordinal()],
                perAction[Action.SAME.ordinal()], ties);
        return new Classification(classified, counts, mergeSamePartitions(landed));
    }

    /** An insert and an update into one partition are one line. */
    private static List<PartitionRows> mergeSamePartitions(List<PartitionRows> landed) {
        List<PartitionRows> sorted = new ArrayList<>(landed);
        sorted.sort(PartitionRows::compare);
        List<PartitionRows> merged = new ArrayList<>();
        for (PartitionRows p : sorted) {
            int last = merged.size() - 1;
            if (last >= 0 && PartitionRows.compare(merged.get(last), p) == 0) {
                merged.set(last, new PartitionRows(p.values(), merged.get(last).rows() + p.rows()));
            } else {
                merged.add(p);
            }
        }
        return merged;
    }
}
