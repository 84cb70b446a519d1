package io.sluice.steps.trusted;

import io.sluice.config.DatasetProfile;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.ShortType;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_from_unix_date;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.from_utc_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.unix_micros;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * The trusted table as the dataset's profile shapes it: its dedup key, version, partitions and lineage, and
 * the projections between stage rows, the classification and the table. Column names are quoted, never
 * values: every expression here is built with the Column API, except the profile's own configured expressions.
 */
final class TableShape {
    /** The lineage column numbering the batch that wrote a row. */
    static final String BATCH_SEQ = "_batch_seq";
    /** Lineage carried from stage into the trusted table. */
    static final List<String> LINEAGE = List.of("_source_file", "_record_index", "_batch_id", BATCH_SEQ,
            "_ingested_at", "_payload_hash");
    /** Prefix of the table's key columns beside a batch row in the classification. */
    static final String THEIRS = "_t_";
    /** The columns of {@link #keyHash}, after {@link #THEIRS}. */
    static final List<String> KEY_HASH = List.of("key_hash", "key_hash2");
    /** Hashed before a key's parts for its second hash: any constant other than none does. */
    private static final String SECOND_KEY_HASH_SEED = "sluice-key";
    /** The folder name Spark and Hive give a null partition value; a value spelled so reads back as null. */
    private static final String HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__";
    private static final Set<String> STAGE_ONLY = Set.of("ingest_date", "ingest_hour");
    private static final Set<String> WORK_COLUMNS = Set.of(Classifier.ACTION, "_copies", "_tie", "_event_date");
    private static final long MICROS_PER_DAY = 86_400_000_000L;

    private final DatasetProfile profile;

    TableShape(DatasetProfile profile) {
        this.profile = requireNonNull(profile, "profile is null");
    }

    /** A column by name, quoted so that any legal name works. */
    static Column column(String name) {
        return col(quoted(name));
    }

    List<String> partitions() {
        return profile.partitions();
    }

    String version() {
        return profile.version();
    }

    /** Keys of the dedup: the record key, plus the version when every version is kept. */
    List<String> dedupKey() {
        List<String> key = new ArrayList<>(profile.recordKey());
        if (profile.keep() == DatasetProfile.Keep.ALL_VERSIONS) {
            key.add(profile.version());
        }
        return key;
    }

    /** Stage rows → one row per key, with the payload hash, the event date and the derived partition columns. */
    Dataset<Row> prepare(Dataset<Row> stageRows) {
        Dataset<Row> deduped = VersionDedup.latest(withPayloadHash(stageRows), dedupKey(), profile.version());
        return withPartitions(deduped);
    }

    /** Hash of everything but lineage: equal hashes mean an exact duplicate. */
    private static Dataset<Row> withPayloadHash(Dataset<Row> stage) {
        List<Column> payload = new ArrayList<>();
        for (String c : stage.columns()) {
            if ((!c.startsWith("_") || c.equals("_extra")) && !STAGE_ONLY.contains(c)) {
                payload.add(column(c));
            }
        }
        return stage.withColumn("_payload_hash", xxhash64(payload.toArray(Column[]::new)));
    }

    /**
     * Adds {@code _event_date} (the event time's date in the profile's zone, whatever the session's or the
     * JVM's zone) and the derived columns; both come from the profile's configured expressions. An empty
     * string in a partition column, or Hive's default partition name, becomes null, as every table format stores it.
     */
    private Dataset<Row> withPartitions(Dataset<Row> rows) {
        Column local = from_utc_timestamp(expr(profile.eventTime()), lit(profile.eventTimeZone()));
        Column eventDate = date_from_unix_date(floor(unix_micros(local).divide(MICROS_PER_DAY)).cast("int"));
        Dataset<Row> out = rows.withColumn("_event_date", eventDate);
        for (Map.Entry<String, String> derived : profile.derived().entrySet()) {
            out = out.withColumn(derived.getKey(), expr(derived.getValue()));
        }
        for (String p : profile.partitions()) {
            if (out.schema().apply(p).dataType().equals(DataTypes.StringType)) {
                // Spark, Hive and the Delta protocol store an empty partition value, and one spelled like Hive's
                // default partition, as null: say so before matching, so what the key index records of a written row
                // is what the table gives back.
                out = out.withColumn(p, when(column(p).equalTo("").or(column(p).equalTo(HIVE_DEFAULT_PARTITION)),
                        lit(null).cast(DataTypes.StringType)).otherwise(column(p)));
            }
        }
        return out;
    }

    /**
     * The table's key (as {@link #keyHash}), version, payload hash, ingestion order and partitions, renamed to
     * {@link #THEIRS}.
     */
    Dataset<Row> tableKeys(Dataset<Row> table) {
        List<Column> columns = new ArrayList<>();
        Column[] key = keyHash(table);
        for (int i = 0; i < key.length; i++) {
            columns.add(key[i].as(THEIRS + KEY_HASH.get(i)));
        }
        columns.add(column(profile.version()).as(THEIRS + "version"));
        columns.add(col("_payload_hash").as(THEIRS + "hash"));
        for (String o : VersionDedup.INGESTION_ORDER) {
            columns.add(col(o).as(THEIRS + o));
        }
        for (String p : profile.partitions()) {
            columns.add(column(p).as(THEIRS + "p_" + p));
        }
        return table.select(columns.toArray(Column[]::new));
    }

    /**
     * The dedup key of {@code rows} as two 64-bit hashes (xxHash64 under two seeds, 128 bits together): what the
     * classification matches the table's rows by. Each part of the key is hashed with whether it is null, so that
     * {@code ("a", null)} and {@code (null, "a")} differ, and as the widest type of its kind (integers as longs), so that
     * the batch's and the table's values hash alike. Two different keys share both hashes with a probability of
     * about 2^-128 per pair: for a batch of 10^5 keys against 10^10 rows, ~3·10^-24. A key of 36 characters becomes
     * 16 bytes, read and matched as numbers instead of text (see {@link KeyIndex}).
     */
    Column[] keyHash(Dataset<Row> rows) {
        List<Column> parts = new ArrayList<>();
        for (String k : dedupKey()) {
            Column value = rows.col(quoted(k));
            DataType type = rows.schema().apply(k).dataType();
            if (type instanceof ByteType || type instanceof ShortType || type instanceof IntegerType) {
                value = value.cast(DataTypes.LongType);
            } else if (type instanceof FloatType) {
                value = value.cast(DataTypes.DoubleType);
            }
            parts.add(value);
            parts.add(rows.col(quoted(k)).isNull());
        }
        List<Column> seeded = new ArrayList<>(List.of(lit(SECOND_KEY_HASH_SEED)));
        seeded.addAll(parts);
        return new Column[] {xxhash64(parts.toArray(Column[]::new)), xxhash64(seeded.toArray(Column[]::new))};
    }

    /** The table's version of a matched row, beside the batch row. */
    Column theirVersion() {
        return col(THEIRS + "version");
    }

    /** The table's value of partition column {@code p} of a matched row. */
    static Column theirPartition(String p) {
        return col(THEIRS + "p_" + p);
    }

    /** The columns of a classified row that go into the table: data and lineage, partitions last. */
    Column[] outputColumns(Dataset<Row> classified) {
        List<Column> columns = new ArrayList<>();
        Set<String> partitions = new LinkedHashSet<>(profile.partitions());
        for (String c : classified.columns()) {
            if (c.startsWith(THEIRS) || STAGE_ONLY.contains(c) || partitions.contains(c) || WORK_COLUMNS.contains(c)) {
                continue;
            }
            columns.add(column(c));
        }
        partitions.forEach(p -> columns.add(column(p)));
        return columns.toArray(Column[]::new);
    }

    /**
     * {@code rows} shuffled by partition, so each table partition gets its rows from one task (one file, below
     * the target size). The number of tasks is fixed rather than left to adaptive execution, which would coalesce a
     * small batch into one or two tasks and write thousands of partitions' files from one core: as many tasks as
     * partitions written, up to the larger of {@code spark.sql.shuffle.partitions} and twice the cores.
     *
     * @param partitionsWritten table partitions the rows go to
     */
    Dataset<Row> clustered(Dataset<Row> rows, long partitionsWritten) {
        Column[] partitions = profile.partitions().stream().map(TableShape::column).toArray(Column[]::new);
        if (partitions.length == 0) {
            return rows;
        }
        SparkSession spark = rows.sparkSession();
        long widest = Math.max(spark.sessionState().conf().numShufflePartitions(),
                2L * spark.sparkContext().defaultParallelism());
        int tasks = (int) Math.max(1, Math.min(partitionsWritten, widest));
        return rows.repartition(tasks, partitions);
    }

    private static String quoted(String name) {
        return "`" + name.replace("`", "``") + "`";
    }
}
