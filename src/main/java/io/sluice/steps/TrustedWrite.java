package io.sluice.steps;

import io.delta.tables.DeltaTable;
import io.sluice.config.DatasetProfile;
import io.sluice.config.DistributeSettings;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.DeltaWrites;
import io.sluice.lake.LakeLayout;
import io.sluice.report.StepResult.RecordCounts;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.collection.JavaConverters;
import scala.collection.Seq;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * Writes stage-shaped rows into a trusted table, deduplicated against the whole table (Delta) or against
 * the partitions the rows land in (Parquet).
 */
final class TrustedWrite {
    /** Lineage carried from stage into the trusted table. */
    static final List<String> LINEAGE = List.of("_source_file", "_record_index", "_batch_id", "_batch_seq",
            "_ingested_at", "_payload_hash");
    private static final Set<String> STAGE_ONLY = Set.of("ingest_date", "ingest_hour");
    private static final int MAX_PRUNED_PARTITIONS = 2000;
    private static final long ROW_BYTES_GUESS = 256;

    private final SparkSession spark;
    private final LakeLayout lake;
    private final String step;
    private final String table;
    private final DatasetProfile profile;
    private final DistributeSettings settings;
    private final Checkpoints checkpoints;
    private final Consumer<String> progress;

    /**
     * @param step name of the writing step in transaction ids
     * @param table name of the trusted table in the trusted zone
     */
    TrustedWrite(SparkSession spark, LakeLayout lake, String step, String table, DatasetProfile profile,
                 DistributeSettings settings, Checkpoints checkpoints, Consumer<String> progress) {
        this.spark = spark;
        this.lake = lake;
        this.step = step;
        this.table = table;
        this.profile = profile;
        this.settings = settings;
        this.checkpoints = checkpoints;
        this.progress = progress;
    }

    /**
     * @param records counts of the write
     * @param details stale versions, ties, inserts, updates
     * @param landed human lines: rows written per partition
     */
    record Outcome(RecordCounts records, Map<String, Long> details, List<String> landed) {
    }

    /**
     * @param stageRows rows shaped like the stage table, lineage included
     * @param txnVersion Delta transaction version of the write, or null to write without one (a replay)
     */
    Outcome write(Dataset<Row> stageRows, Long txnVersion) {
        String path = lake.trustedTable(table);
        String maxRecords = "spark.sql.files.maxRecordsPerFile";
        String before = spark.conf().get(maxRecords, "0");
        spark.conf().set(maxRecords, Long.toString(rowsPerFile(path)));
        try {
            return writeSized(stageRows, txnVersion, path);
        } finally {
            spark.conf().set(maxRecords, before);
        }
    }

    /**
     * Rows a file may hold before the write starts another: the target file size over the bytes a row takes in
     * the table (from its Delta detail and its metadata-only count), or over {@value #ROW_BYTES_GUESS} bytes for
     * a new table. Every partition of a batch below the target gets one file.
     */
    private long rowsPerFile(String path) {
        long target = settings.targetFileSizeMb() * 1024L * 1024L;
        long rowBytes = ROW_BYTES_GUESS;
        if (DeltaTable.isDeltaTable(spark, path)) {
            long bytes = DeltaTable.forPath(spark, path).detail().select("sizeInBytes").first().getLong(0);
            long rows = spark.read().format("delta").load(path).count();
            if (rows > 0 && bytes > 0) {
                rowBytes = Math.max(1, bytes / rows);
            }
        }
        return Math.max(1000, target / rowBytes);
    }

    private Outcome writeSized(Dataset<Row> stageRows, Long txnVersion, String path) {
        boolean exists = DeltaTable.isDeltaTable(spark, path);
        boolean parquet = profile.format() == DatasetProfile.TableFormat.PARQUET;
        if (parquet && exists) {
            throw new IllegalStateException("the trusted table " + path + " is a Delta table; it cannot be written"
                    + " as Parquet. Drop --format parquet, or give the Parquet copy its own --trusted zone");
        }
        if (parquet) {
            return new ParquetWrite().write(stageRows);
        }
        if (!exists && hasData(path)) {
            throw new IllegalStateException("the trusted table " + path + " holds files but no Delta log: it was"
                    + " written as Parquet. Use --format parquet, or convert it once with CONVERT TO DELTA parquet.`"
                    + path + "` PARTITIONED BY (...)");
        }
        List<String> key = dedupKey();
        Dataset<Row> deduped = withPartitions(VersionDedup.latest(withPayloadHash(stageRows), key, profile.version()));
        Dataset<Row> classified = classify(deduped, exists ? existingKeys(spark.read().format("delta").load(path), key)
                : null, key, List.of()).persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            Tally tally = tally(classified);
            Map<String, Long> counts = tally.counts();
            long inserts = counts.getOrDefault("insert", 0L);
            long updates = counts.getOrDefault("update", 0L);
            long written = inserts + updates;
            Dataset<Row> toWrite = classified.filter(col("_action").isin("insert", "update"));
            List<String> landed = tally.landed();
            Dataset<Row> rows = toWrite.select(outputColumns(classified));
            if (written > 0) {
                progress.accept("trusted: " + inserts + " new, " + updates + " newer versions -> " + path);
                if (!exists) {
                    create(rows, path, txnVersion);
                } else if (updates == 0) {
                    append(rows, path, txnVersion);
                } else {
                    merge(rows, classified, path, key, txnVersion);
                }
            }
            return outcome(counts, landed);
        } finally {
            classified.unpersist();
        }
    }

    private static Seq<String> seq(List<String> names) {
        return JavaConverters.asScalaBuffer(names).toSeq();
    }

    /** Whether {@code path} holds anything but bookkeeping (names starting with '_' or '.'). */
    private boolean hasData(String path) {
        return lake.storage().listNames(path).stream().anyMatch(name -> !name.startsWith("_") && !name.startsWith("."));
    }

    private static Outcome outcome(Map<String, Long> counts, List<String> landed) {
        long read = counts.getOrDefault("read", 0L);
        long inserts = counts.getOrDefault("insert", 0L);
        long updates = counts.getOrDefault("update", 0L);
        Map<String, Long> details = new LinkedHashMap<>();
        details.put("inserted", inserts);
        details.put("updated", updates);
        details.put("stale", counts.getOrDefault("stale", 0L));
        details.put("alreadyPresent", counts.getOrDefault("same", 0L));
        details.put("sameVersionConflicts", counts.getOrDefault("ties", 0L));
        long duplicates = counts.getOrDefault("collapsed", 0L) + counts.getOrDefault("same", 0L);
        RecordCounts records = new RecordCounts(read, read, 0, duplicates, inserts + updates);
        return new Outcome(records, details, landed);
    }

    /** Keys of the dedup: the record key, plus the version when every version is kept. */
    private List<String> dedupKey() {
        List<String> key = new ArrayList<>(profile.recordKey());
        if (profile.keep() == DatasetProfile.Keep.ALL_VERSIONS) {
            key.add(profile.version());
        }
        return key;
    }

    /** Hash of everything but lineage: equal hashes mean an exact duplicate. */
    private static Dataset<Row> withPayloadHash(Dataset<Row> stage) {
        List<Column> payload = new ArrayList<>();
        for (String c : stage.columns()) {
            if (!c.startsWith("_") || c.equals("_extra")) {
                if (!STAGE_ONLY.contains(c)) {
                    payload.add(col("`" + c + "`"));
                }
            }
        }
        return stage.withColumn("_payload_hash", xxhash64(payload.toArray(Column[]::new)));
    }

    /**
     * Adds {@code _event_date} (the event time's date in the profile's zone, whatever the session's or the
     * JVM's zone) and the derived columns.
     */
    private Dataset<Row> withPartitions(Dataset<Row> rows) {
        Column eventDate = expr("date_from_unix_date(cast(floor(unix_micros(from_utc_timestamp(" + profile.eventTime()
                + ", '" + profile.eventTimeZone() + "')) / 86400000000) as int))");
        Dataset<Row> out = rows.withColumn("_event_date", eventDate);
        for (Map.Entry<String, String> derived : profile.derived().entrySet()) {
            out = out.withColumn(derived.getKey(), expr(derived.getValue()));
        }
        return out;
    }

    private Dataset<Row> existingKeys(Dataset<Row> table, List<String> key) {
        List<Column> columns = new ArrayList<>();
        for (String k : key) {
            columns.add(col("`" + k + "`").as("_t_" + k));
        }
        if (!key.contains(profile.version())) {
            columns.add(col("`" + profile.version() + "`").as("_t_version"));
        }
        columns.add(col("_payload_hash").as("_t_hash"));
        for (String o : VersionDedup.INGESTION_ORDER) {
            columns.add(col(o).as("_t" + o));
        }
        for (String p : profile.partitions()) {
            columns.add(col("`" + p + "`").as("_t_p_" + p));
        }
        return table.select(columns.toArray(Column[]::new));
    }

    /**
     * Joins the batch to the table's rows of the same keys (and of the same {@code scope} columns: Parquet's
     * partition-scoped dedup) and names what each batch row is: insert, update, stale or same.
     */
    private Dataset<Row> classify(Dataset<Row> deduped, Dataset<Row> existing, List<String> key, List<String> scope) {
        if (existing == null) {
            return deduped.withColumn("_action", lit("insert"));
        }
        Column on = null;
        for (String k : key) {
            Column eq = deduped.col("`" + k + "`").eqNullSafe(existing.col("_t_" + k));
            on = on == null ? eq : on.and(eq);
        }
        for (String p : scope) {
            on = on.and(deduped.col("`" + p + "`").eqNullSafe(existing.col("_t_p_" + p)));
        }
        Dataset<Row> joined = deduped.join(existing, on, "left");
        Column version = col("`" + profile.version() + "`");
        Column theirVersion = key.contains(profile.version()) ? version : col("_t_version");
        Column laterIngested = expr("named_struct('s', _batch_seq, 'f', _source_file, 'i', _record_index)"
                + " > named_struct('s', _t_batch_seq, 'f', _t_source_file, 'i', _t_record_index)");
        Column action = when(col("_t_hash").isNull(), lit("insert"))
                .when(version.gt(theirVersion).or(version.isNotNull().and(theirVersion.isNull())), lit("update"))
                .when(version.lt(theirVersion).or(version.isNull().and(theirVersion.isNotNull())), lit("stale"))
                .when(col("_payload_hash").equalTo(col("_t_hash")), lit("same"))
                .when(laterIngested, lit("update"))
                .otherwise(lit("stale"));
        return joined.withColumn("_action", action)
                .withColumn("_tie", col("_tie").or(coalesce(version.eqNullSafe(theirVersion)
                        .and(col("_payload_hash").notEqual(col("_t_hash"))), lit(false))));
    }

    /**
     * What the classification holds, from one Spark job: counts per action, and rows written per partition.
     *
     * @param counts rows per action, and {@code read}, {@code collapsed}, {@code ties}
     * @param landed human lines: rows written per partition, the first partitions in order
     */
    private record Tally(Map<String, Long> counts, List<String> landed) {
    }

    private Tally tally(Dataset<Row> classified) {
        List<Column> groups = new ArrayList<>();
        groups.add(col("_action"));
        profile.partitions().forEach(p -> groups.add(col("`" + p + "`")));
        int width = profile.partitions().size();
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<List<Object>, Long> written = new java.util.TreeMap<>(TrustedWrite::compareValues);
        long read = 0;
        long collapsed = 0;
        long ties = 0;
        for (Row row : classified.groupBy(groups.toArray(Column[]::new))
                .agg(count(lit(1)), sum("_copies"), sum(when(col("_tie"), 1).otherwise(0))).collectAsList()) {
            String action = row.getString(0);
            long rows = row.getLong(width + 1);
            counts.merge(action, rows, Long::sum);
            read += row.getLong(width + 2);
            collapsed += row.getLong(width + 2) - rows;
            ties += row.getLong(width + 3);
            if (action.equals("insert") || action.equals("update")) {
                List<Object> partition = new ArrayList<>();
                for (int i = 0; i < width; i++) {
                    partition.add(row.get(i + 1));
                }
                written.merge(partition, rows, Long::sum);
            }
        }
        counts.put("read", read);
        counts.put("collapsed", collapsed);
        counts.put("ties", ties);
        return new Tally(counts, landed(written));
    }

    private static int compareValues(List<Object> a, List<Object> b) {
        for (int i = 0; i < a.size(); i++) {
            Object x = a.get(i);
            Object y = b.get(i);
            int order;
            if (x == null || y == null) {
                order = x == null ? (y == null ? 0 : -1) : 1;
            } else if (x instanceof Number n && y instanceof Number m) {
                order = Double.compare(n.doubleValue(), m.doubleValue());
            } else {
                order = x.toString().compareTo(y.toString());
            }
            if (order != 0) {
                return order;
            }
        }
        return 0;
    }

    private Column[] outputColumns(Dataset<Row> classified) {
        List<Column> columns = new ArrayList<>();
        Set<String> partitions = new LinkedHashSet<>(profile.partitions());
        for (String c : classified.columns()) {
            boolean internal = c.startsWith("_t_") || c.startsWith("_t") && c.length() > 2
                    && VersionDedup.INGESTION_ORDER.contains(c.substring(2));
            if (internal || STAGE_ONLY.contains(c) || partitions.contains(c)
                    || Set.of("_action", "_copies", "_tie", "_event_date").contains(c)) {
                continue;
            }
            columns.add(col("`" + c + "`"));
        }
        partitions.forEach(p -> columns.add(col("`" + p + "`")));
        return columns.toArray(Column[]::new);
    }

    private List<String> landed(Map<List<Object>, Long> written) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<List<Object>, Long> partition : written.entrySet()) {
            if (lines.size() == 25) {
                lines.add("... and " + (written.size() - 25) + " more partitions");
                break;
            }
            StringBuilder line = new StringBuilder("landed ");
            for (int p = 0; p < profile.partitions().size(); p++) {
                line.append(p == 0 ? "" : "/").append(profile.partitions().get(p)).append('=')
                        .append(partition.getKey().get(p));
            }
            lines.add(line.append(": ").append(partition.getValue()).append(" rows").toString());
        }
        return lines;
    }

    private Dataset<Row> clustered(Dataset<Row> rows) {
        Column[] partitions = profile.partitions().stream().map(p -> col("`" + p + "`")).toArray(Column[]::new);
        return partitions.length == 0 ? rows : rows.repartition(partitions);
    }

    private void create(Dataset<Row> rows, String path, Long txnVersion) {
        String defaults = "spark.databricks.delta.properties.defaults.enableDeletionVectors";
        spark.conf().set(defaults, settings.deletionVectors().toString());
        try {
            var writer = clustered(rows).write().format("delta").mode(SaveMode.Append).option("mergeSchema", "true")
                    .partitionBy(profile.partitions().toArray(String[]::new));
            if (txnVersion != null) {
                writer = writer.option("txnAppId", LakeLayout.txnAppId(step, table)).option("txnVersion", txnVersion);
            }
            writer.save(path);
        } finally {
            spark.conf().unset(defaults);
        }
    }

    private void append(Dataset<Row> rows, String path, Long txnVersion) {
        if (txnVersion == null) {
            clustered(rows).write().format("delta").mode(SaveMode.Append).option("mergeSchema", "true")
                    .partitionBy(profile.partitions().toArray(String[]::new)).save(path);
        } else {
            DeltaWrites.appendOnce(clustered(rows), path, profile.partitions(), LakeLayout.txnAppId(step, table),
                    txnVersion);
        }
    }

    /**
     * One MERGE for inserts and updates. The target side is restricted to the partitions the replaced rows
     * live in, so its cost follows the batch, not the table.
     */
    private void merge(Dataset<Row> rows, Dataset<Row> classified, String path, List<String> key, Long txnVersion) {
        StringBuilder on = new StringBuilder();
        for (String k : key) {
            on.append(on.length() == 0 ? "" : " AND ").append("t.`").append(k).append("` <=> s.`").append(k).append('`');
        }
        String pruning = pruning(classified);
        if (!pruning.isEmpty()) {
            on.append(" AND (").append(pruning).append(')');
        }
        Runnable merge = () -> DeltaTable.forPath(spark, path).as("t")
                .merge(clustered(rows).as("s"), on.toString())
                .whenMatched().updateAll()
                .whenNotMatched().insertAll()
                .execute();
        String autoMerge = "spark.databricks.delta.schema.autoMerge.enabled";
        spark.conf().set(autoMerge, "true");
        try {
            if (txnVersion == null) {
                merge.run();
            } else {
                DeltaWrites.onceDml(spark, LakeLayout.txnAppId(step, table), txnVersion, () -> {
                    merge.run();
                    return null;
                });
            }
        } finally {
            spark.conf().unset(autoMerge);
        }
    }

    /** A literal predicate on the target's partitions holding replaced rows; empty when there are too many. */
    private String pruning(Dataset<Row> classified) {
        if (profile.partitions().isEmpty()) {
            return "";
        }
        Column[] old = profile.partitions().stream().map(p -> col("_t_p_" + p)).toArray(Column[]::new);
        List<Row> partitions = classified.filter(col("_action").equalTo("update")).select(old).distinct()
                .limit(MAX_PRUNED_PARTITIONS + 1).collectAsList();
        if (partitions.size() > MAX_PRUNED_PARTITIONS) {
            return "";
        }
        return partitions.stream().map(row -> {
            List<String> terms = new ArrayList<>();
            for (int i = 0; i < profile.partitions().size(); i++) {
                Object value = row.get(i);
                String literal = value == null ? "NULL" : value instanceof Number ? value.toString()
                        : "'" + value.toString().replace("'", "''") + "'";
                terms.add("t.`" + profile.partitions().get(i) + "` <=> " + literal);
            }
            return "(" + String.join(" AND ", terms) + ")";
        }).collect(Collectors.joining(" OR "));
    }

    /**
     * Plain Hive-style Parquet for readers without Delta. Dedup is scoped to the partitions the batch lands
     * in: those partitions are read, merged with the batch (the greatest version per key wins) and replaced
     * with a dynamic partition overwrite; other partitions are never read or touched. What does not hold
     * here: a newer version whose partition differs leaves the older row in its old partition, and the
     * overwrite is not atomic (a reader may see a partition half-replaced; a run killed during it must be run
     * again, which converges because the merge is idempotent).
     */
    private final class ParquetWrite {
        Outcome write(Dataset<Row> stageRows) {
            String path = lake.trustedTable(table);
            List<String> key = dedupKey();
            Dataset<Row> deduped = withPartitions(VersionDedup.latest(withPayloadHash(stageRows), key,
                    profile.version()));
            Dataset<Row> touched = touchedPartitions(deduped, path);
            Dataset<Row> classified = classify(deduped, touched == null ? null : existingKeys(touched, key), key,
                    profile.partitions()).persist(StorageLevel.MEMORY_AND_DISK_SER());
            try {
                Tally tally = tally(classified);
            Map<String, Long> counts = tally.counts();
                long written = counts.getOrDefault("insert", 0L) + counts.getOrDefault("update", 0L);
                Dataset<Row> toWrite = classified.filter(col("_action").isin("insert", "update"));
                List<String> landed = tally.landed();
                if (written > 0) {
                    Dataset<Row> rows = toWrite.select(outputColumns(classified));
                    if (touched != null) {
                        rows = kept(touched, toWrite, key).unionByName(rows, true);
                    }
                    progress.accept("trusted: " + written + " rows into " + path + " (Parquet, partition overwrite)");
                    overwritePartitions(rows.localCheckpoint(true), path);
                }
                return outcome(counts, landed);
            } finally {
                classified.unpersist();
            }
        }

        /** The table's rows in the partitions the batch lands in; null when the table does not exist yet. */
        private Dataset<Row> touchedPartitions(Dataset<Row> batch, String path) {
            if (!hasData(path)) {
                return null;
            }
            Column[] partitions = profile.partitions().stream().map(p -> col("`" + p + "`")).toArray(Column[]::new);
            Dataset<Row> values = batch.select(partitions).distinct();
            Dataset<Row> table = spark.read().option("mergeSchema", "true").parquet(path);
            return partitions.length == 0 ? table
                    : table.join(broadcast(values), seq(profile.partitions()),
                            "left_semi");
        }

        /** Rows of the touched partitions that the batch does not replace. */
        private Dataset<Row> kept(Dataset<Row> touched, Dataset<Row> written, List<String> key) {
            List<String> match = new ArrayList<>(key);
            match.addAll(profile.partitions());
            Dataset<Row> replaced = written.filter(col("_action").equalTo("update"))
                    .select(match.stream().map(c -> col("`" + c + "`")).toArray(Column[]::new));
            return touched.join(replaced, seq(match), "left_anti");
        }

        private void overwritePartitions(Dataset<Row> rows, String path) {
            String mode = "spark.sql.sources.partitionOverwriteMode";
            String before = spark.conf().get(mode, "static");
            spark.conf().set(mode, "dynamic");
            try {
                clustered(rows).write().mode(SaveMode.Overwrite)
                        .partitionBy(profile.partitions().toArray(String[]::new)).parquet(path);
            } finally {
                spark.conf().set(mode, before);
            }
        }
    }
}
