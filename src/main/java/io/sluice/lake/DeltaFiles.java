package io.sluice.lake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.storage.HadoopStorage;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.EliminateSubqueryAliases$;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.delta.DeltaConfigs$;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.DeltaOptions;
import org.apache.spark.sql.delta.GeneratedColumn;
import org.apache.spark.sql.delta.NoMapping$;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.OptimisticTransaction$;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.Action$;
import org.apache.spark.sql.delta.actions.AddCDCFile;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.Metadata;
import org.apache.spark.sql.delta.commands.DMLUtils;
import org.apache.spark.sql.delta.commands.DeleteCommand;
import org.apache.spark.sql.delta.commands.DeletionVectorUtils$;
import org.apache.spark.sql.delta.commands.WriteIntoDelta;
import org.apache.spark.sql.delta.constraints.Constraints;
import org.apache.spark.sql.execution.metric.SQLMetric;
import org.apache.spark.sql.execution.metric.SQLMetrics;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.JavaConverters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Commits Parquet files already written inside a Delta table's folder as one idempotent append: rows that a job
 * wrote once, beside other output of the same pass, become table rows without being read and written again. The
 * actions are built from their JSON form in the Delta protocol ({@code add}, {@code txn}, {@code metaData}); the
 * transaction is Delta's own ({@code DeltaLog}, {@code OptimisticTransaction}), so a Delta build whose classes differ
 * from this jar's fails with a {@link LinkageError} before anything is committed. Files the commit leaves out stay
 * unreferenced, and {@code VACUUM} removes them. Rows not yet written are appended through Delta's own writer in
 * such a transaction ({@link #writeOnce}); both ask the log's checksum file whether the append happened before.
 * Rows that replace others are appended in a transaction that also deletes those, by Delta's own DELETE with
 * deletion vectors ({@link #replaceOnce}).
 */
public final class DeltaFiles {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PARQUET_FILTER_PUSHDOWN = "spark.sql.parquet.filterPushdown";

    private DeltaFiles() {
    }

    /**
     * Whether this class's use of Delta's transaction classes applies here: not on Databricks, whose Delta Lake is its
     * own build (elsewhere a Delta build whose classes differ fails with a {@link LinkageError} before committing, for
     * the caller to write the rows through Delta's public writer instead).
     */
    public static boolean applies() {
        return System.getenv("DATABRICKS_RUNTIME_VERSION") == null;
    }

    /**
     * A table whose rows only Delta's writer can add: its column names are mapped, or it has generated columns or
     * CHECK constraints. Nothing was written to it.
     */
    public static final class NeedsDeltaWriter extends IllegalStateException {
        NeedsDeltaWriter(String table) {
            super(table + " maps its column names, or has generated columns or CHECK constraints: only Delta's writer"
                    + " adds rows to it");
        }
    }

    /**
     * A data file of the table.
     *
     * @param path     relative to the table's folder, as a URI path
     * @param records  rows in the file
     */
    public record DataFile(String path, long size, long modifiedMillis, long records) {
    }

    /**
     * A commit {@link #appendOnce} made.
     *
     * @param version the table version it committed
     * @param tableId the table's Delta id
     * @param files the files it added, as the log holds them
     */
    public record Commit(long version, String tableId, List<AddFile> files) {
        public Commit {
            files = List.copyOf(files);
        }
    }

    /**
     * Appends {@code files} to the Delta table at {@code table}, all in the partition {@code partitionValues}, each
     * file's statistics saying that every row holds {@code constants} (column to value; lets readers skip files on
     * them). Creates the table with {@code schema}, or adds the columns of {@code schema} it lacks, in the same
     * commit. Does nothing when a commit with {@code appId} reached {@code version} before.
     *
     * @param schema the table's columns as the files hold them, partition columns included
     * @param userMetadata recorded in the commit (Delta's {@code commitInfo.userMetadata}); null for none
     * @return the commit made; empty when that earlier commit made it
     * @throws NeedsDeltaWriter when the table needs Delta's writer; nothing was committed
     * @throws IllegalStateException when the table's partitions or the type of one of its columns do not match
     */
    public static Optional<Commit> appendOnce(SparkSession spark, String table, List<DataFile> files,
                                     Map<String, String> partitionValues, Map<String, Object> constants,
                                     StructType schema, String appId, long version, String userMetadata) {
        DeltaLog log = DeltaLog.forTable(spark, HadoopStorage.path(table));
        OptimisticTransaction txn = log.startTransaction();
        List<String> partitions = new ArrayList<>(partitionValues.keySet());
        long now = System.currentTimeMillis();
        if (txn.readVersion() < 0) {
            ObjectNode metadata = JSON.createObjectNode();
            metadata.put("id", UUID.randomUUID().toString());
            metadata.putObject("format").put("provider", "parquet").putObject("options");
            metadata.put("schemaString", schema.json());
            partitions.forEach(metadata.putArray("partitionColumns")::add);
            ObjectNode configuration = metadata.putObject("configuration");
            // Table properties the session gives every new table (spark.databricks.delta.properties.defaults.*).
            scala.collection.immutable.Map<String, String> defaults = DeltaConfigs$.MODULE$.mergeGlobalConfigs(
                    spark.sessionState().conf(), scala.collection.immutable.Map$.MODULE$.empty(), Option.empty());
            JavaConverters.mapAsJavaMap(defaults).forEach(configuration::put);
            metadata.put("createdTime", now);
            txn.updateMetadataForNewTable((Metadata) action("metaData", metadata));
        } else {
            if (txnVersion(txn, appId) >= version) {
                return Optional.empty();
            }
            Metadata metadata = txn.metadata();
            requireFilesSuffice(spark, table, metadata);
            List<String> existing = JavaConverters.seqAsJavaList(metadata.partitionColumns());
            if (!existing.equals(partitions)) {
                throw new IllegalStateException(table + " is partitioned by " + existing + ", not by " + partitions);
            }
            StructType merged = metadata.schema();
            for (StructField column : schema.fields()) {
                if (!List.of(merged.fieldNames()).contains(column.name())) {
                    merged = merged.add(column.name(), column.dataType(), true);
                } else if (!merged.apply(column.name()).dataType().sameType(column.dataType())) {
                    throw new IllegalStateException(table + " has column " + column.name() + " of type "
                            + merged.apply(column.name()).dataType().simpleString() + ", the batch has "
                            + column.dataType().simpleString());
                }
            }
            if (merged.length() > metadata.schema().length()) {
                txn.updateMetadata(metadata.copy(metadata.id(), metadata.name(), metadata.description(),
                        metadata.format(), merged.json(), metadata.partitionColumns(), metadata.configuration(),
                        metadata.createdTime()), false);
            }
        }
        List<Action> actions = new ArrayList<>();
        List<AddFile> added = new ArrayList<>();
        for (DataFile file : files) {
            ObjectNode add = JSON.createObjectNode();
            add.put("path", file.path());
            ObjectNode values = add.putObject("partitionValues");
            partitionValues.forEach(values::put);
            add.put("size", file.size());
            add.put("modificationTime", file.modifiedMillis());
            add.put("dataChange", true);
            add.put("stats", stats(file.records(), constants));
            added.add((AddFile) action("add", add));
        }
        actions.addAll(added);
        actions.add(txn(appId, version, now));
        long committed = txn.commit(JavaConverters.asScalaBuffer(actions).toSeq(), new DeltaOperations.Write(
                SaveMode.Append, Option.apply(JavaConverters.asScalaBuffer(partitions).toSeq()), Option.empty(),
                Option.apply(userMetadata)));
        return Optional.of(new Commit(committed, txn.metadata().id(), added));
    }

    /**
     * Appends {@code rows} to the Delta table at {@code table} through Delta's own writer ({@code WriteIntoDelta}: its
     * schema merge, statistics, constraints, column mapping, table creation) with {@code options} (the writer's
     * {@code txnAppId} and {@code txnVersion} among them), in a transaction whose question whether the write happened
     * before is answered by {@link #txnVersion}: from the log's checksum file, not from the table's whole state, which
     * Delta's writer reconstructs for it on every idempotent append. Does nothing when it happened.
     *
     * @throws LinkageError when this Delta build's classes differ from the jar's; nothing was committed
     */
    static void writeOnce(Dataset<Row> rows, String table, List<String> partitions, Map<String, String> options) {
        String appId = options.get("txnAppId");
        long version = Long.parseLong(options.get("txnVersion"));
        SparkSession spark = rows.sparkSession();
        DeltaLog log = DeltaLog.forTable(spark, HadoopStorage.path(table));
        OptimisticTransaction txn = log.startTransaction(Option.empty(), Option.empty());
        OptimisticTransaction$.MODULE$.setActive(txn);
        try {
            if (txn.readVersion() >= 0 && txnVersion(txn, appId) >= version) {
                return;
            }
            DMLUtils.TaggedCommitData<Action> data = append(txn, rows, partitions, options);
            txn.commitIfNeeded(data.actions(), new DeltaOperations.Write(SaveMode.Append,
                    Option.apply(JavaConverters.asScalaBuffer(partitions).toSeq()), Option.empty(),
                    Option.apply(options.get("userMetadata"))), data.stringTags());
        } finally {
            OptimisticTransaction$.MODULE$.clearActive();
        }
    }

    /** How {@link #replaceOnce} ended. */
    public enum Outcome {
        /** Committed the deletes and the rows. */
        COMMITTED,
        /** A commit with the transaction's app id reached its version before; nothing done. */
        COMMITTED_BEFORE,
        /**
         * Nothing committed: the table has no deletion vectors, or the condition matched other than the expected
         * rows. Deletion vector files it wrote stay unreferenced, and {@code VACUUM} removes them.
         */
        NOT_COMMITTED
    }

    /**
     * What {@link #replaceOnce} did.
     *
     * @param filesRead the files the search for the rows to delete read, once partitions and statistics had ruled out
     *     the others; 0 when it did not search
     * @param tableFiles the files of the table when it searched; 0 when it did not
     */
    public record Replacement(Outcome outcome, long filesRead, long tableFiles) {
        static Replacement without(Outcome outcome) {
            return new Replacement(outcome, 0, 0);
        }
    }

    /**
     * Replaces rows of the Delta table at {@code table} and adds others in one commit: the rows {@code condition}
     * matches are deleted by deletion vectors (the files holding them are marked, not rewritten), and {@code rows}
     * are appended through Delta's writer, both in one transaction carrying ({@code appId}, {@code version}) and
     * recorded as a MERGE whose updated rows are the deleted ones and whose inserted rows are the rest of
     * {@code rows}. Delta's DELETE finds the rows (one scan of the files the condition's partitions and statistics
     * leave) and writes the vectors; Delta's MERGE would scan those files three times and write the change feed's
     * pre- and post-images beside the rows. A reader of the change feed gets the deleted rows from the vectors and the
     * appended ones from their files.
     *
     * @param appended the rows of {@code rows}, for the commit's metrics
     * @param condition the rows to delete, over the table's columns qualified by {@code alias}
     * @param expected the rows {@code condition} must match; otherwise nothing is committed
     * @param options Delta writer options for the append ({@code mergeSchema}, say)
     * @throws LinkageError when this Delta build's classes differ from the jar's; nothing was committed
     */
    public static Replacement replaceOnce(Dataset<Row> rows, long appended, String table, List<String> partitions,
                                          String alias, Column condition, long expected,
                                          Map<String, String> options, String appId, long version) {
        SparkSession spark = rows.sparkSession();
        DeltaLog log = DeltaLog.forTable(spark, HadoopStorage.path(table));
        LogicalPlan analyzed = spark.read().format("delta").load(table).as(alias).filter(condition)
                .queryExecution().analyzed();
        if (!(analyzed instanceof Filter filter)) {
            return Replacement.without(Outcome.NOT_COMMITTED);
        }
        OptimisticTransaction txn = log.startTransaction(Option.empty(), Option.empty());
        OptimisticTransaction$.MODULE$.setActive(txn);
        try {
            if (txn.readVersion() < 0 || !DeletionVectorUtils$.MODULE$.deletionVectorsWritable(txn.snapshot(),
                    Option.empty(), Option.empty())) {
                return Replacement.without(Outcome.NOT_COMMITTED);
            }
            if (txnVersion(txn, appId) >= version) {
                return Replacement.without(Outcome.COMMITTED_BEFORE);
            }
            DeltaLog.assertRemovable(txn.snapshot());
            DeleteCommand delete = new DeleteCommand(log, Option.empty(),
                    EliminateSubqueryAliases$.MODULE$.apply(filter.child()), Option.apply(filter.condition()));
            // Pushed down to Parquet, a filter of hundreds of values doubled the CPU time of this scan (the reader's
            // row-group and page filtering for each file); Delta's file skipping by the same filter is unaffected.
            List<Action> actions = new ArrayList<>(JavaConverters.seqAsJavaList(SessionConf.with(spark,
                    Map.of(PARQUET_FILTER_PUSHDOWN, "false"), () -> delete.performDelete(spark, log, txn)._1())));
            long deleted = delete.metrics().apply("numDeletedRows").value();
            long filesRead = delete.metrics().apply("numFilesAfterSkipping").value();
            long tableFiles = delete.metrics().apply("numFilesBeforeSkipping").value();
            if (deleted != expected || actions.stream().anyMatch(AddCDCFile.class::isInstance)) {
                return new Replacement(Outcome.NOT_COMMITTED, filesRead, tableFiles);
            }
            DMLUtils.TaggedCommitData<Action> data = append(txn, rows, partitions, options);
            List<Action> written = JavaConverters.seqAsJavaList(data.actions());
            actions.addAll(written);
            actions.add(txn(appId, version, System.currentTimeMillis()));
            Map<String, Long> counts = new LinkedHashMap<>();
            counts.put("numSourceRows", appended);
            counts.put("numTargetRowsUpdated", deleted);
            counts.put("numTargetRowsMatchedUpdated", deleted);
            counts.put("numTargetRowsInserted", appended - deleted);
            counts.put("numTargetRowsDeleted", 0L);
            counts.put("numTargetRowsCopied", 0L);
            counts.put("numTargetFilesAdded", written.stream().filter(AddFile.class::isInstance).count());
            counts.put("numTargetFilesRemoved", delete.metrics().apply("numRemovedFiles").value());
            counts.put("numTargetChangeFilesAdded", 0L);
            for (String change : List.of("Added", "Removed", "Updated")) {
                counts.put("numTargetDeletionVectors" + change,
                        delete.metrics().apply("numDeletionVectors" + change).value());
            }
            Map<String, SQLMetric> metrics = new LinkedHashMap<>();
            counts.forEach((name, value) -> {
                SQLMetric metric = SQLMetrics.createMetric(spark.sparkContext(), name);
                metric.set(value);
                metrics.put(name, metric);
            });
            txn.registerSQLMetrics(spark, scala.collection.immutable.Map$.MODULE$.<String, SQLMetric>empty()
                    .$plus$plus(JavaConverters.mapAsScalaMap(metrics)));
            scala.collection.Seq<DeltaOperations.MergePredicate> none = JavaConverters
                    .asScalaBuffer(new ArrayList<DeltaOperations.MergePredicate>()).toSeq();
            scala.collection.Seq<DeltaOperations.MergePredicate> updateAll = JavaConverters.asScalaBuffer(
                    List.of(new DeltaOperations.MergePredicate(Option.empty(), "update"))).toSeq();
            txn.commitIfNeeded(JavaConverters.asScalaBuffer(actions).toSeq(),
                    DeltaOperations.Merge$.MODULE$.apply(Option.empty(), updateAll, none, none), data.stringTags());
            return new Replacement(Outcome.COMMITTED, filesRead, tableFiles);
        } finally {
            OptimisticTransaction$.MODULE$.clearActive();
        }
    }

    /**
     * Writes {@code rows} for an append in {@code txn} through Delta's writer ({@code WriteIntoDelta}) with
     * {@code options}; the actions to commit, not committed.
     */
    private static DMLUtils.TaggedCommitData<Action> append(OptimisticTransaction txn, Dataset<Row> rows,
                                                            List<String> partitions, Map<String, String> options) {
        SparkSession spark = rows.sparkSession();
        scala.collection.immutable.Map<String, String> writerOptions = scala.collection.immutable.Map$.MODULE$
                .<String, String>empty().$plus$plus(JavaConverters.mapAsScalaMap(options));
        WriteIntoDelta write = new WriteIntoDelta(txn.deltaLog(), SaveMode.Append,
                new DeltaOptions(writerOptions, spark.sessionState().conf()),
                JavaConverters.asScalaBuffer(partitions).toSeq(), scala.collection.immutable.Map$.MODULE$.empty(), rows,
                Option.empty(), Option.empty());
        return write.writeAndReturnCommitData(txn, spark, Option.empty(), false);
    }

    /** The Delta action recording that application {@code appId} reached {@code version}. */
    private static Action txn(String appId, long version, long now) {
        ObjectNode txn = JSON.createObjectNode();
        txn.put("appId", appId);
        txn.put("version", version);
        txn.put("lastUpdated", now);
        return action("txn", txn);
    }

    /** Throws {@link NeedsDeltaWriter} when files written as they are would not be rows of the table as it is. */
    private static void requireFilesSuffice(SparkSession spark, String table, Metadata metadata) {
        if (metadata.columnMappingMode() != NoMapping$.MODULE$ || GeneratedColumn.hasGeneratedColumns(metadata.schema())
                || !Constraints.getCheckConstraints(metadata, spark).isEmpty()) {
            throw new NeedsDeltaWriter(table);
        }
    }

    /**
     * {@code txn.txnVersion(appId)} without reconstructing the table's state when the read version's checksum file
     * lists the table's transactions; the application id is recorded as read either way, so a concurrent commit under
     * it still fails this one (Delta's conflict check reads that list).
     */
    static long txnVersion(OptimisticTransaction txn, String appId) {
        Optional<Map<String, Long>> transactions = DeltaMetadata.checksumTransactions(txn.snapshot());
        if (transactions.isEmpty()) {
            return txn.txnVersion(appId);
        }
        txn.readTxn().$plus$eq(appId);
        return transactions.get().getOrDefault(appId, -1L);
    }

    private static String stats(long records, Map<String, Object> constants) {
        ObjectNode stats = JSON.createObjectNode();
        stats.put("numRecords", records);
        ObjectNode min = stats.putObject("minValues");
        ObjectNode max = stats.putObject("maxValues");
        ObjectNode nulls = stats.putObject("nullCount");
        constants.forEach((column, value) -> {
            min.putPOJO(column, value);
            max.putPOJO(column, value);
            nulls.put(column, records == 0 || value != null ? 0 : records);
        });
        return stats.toString();
    }

    private static Action action(String kind, ObjectNode body) {
        ObjectNode wrapper = JSON.createObjectNode();
        wrapper.set(kind, body);
        return Action$.MODULE$.fromJson(wrapper.toString());
    }
}
