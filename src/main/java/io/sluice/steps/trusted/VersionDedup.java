package io.sluice.steps.trusted;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.OptionalInt;

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
 * <p>The batch is shuffled by key and sorted within each task by key, then version and ingestion order, latest
 * first; one pass over each task's sorted rows keeps the first row of every key, counts the others and compares
 * their content. Spark's window functions say the same (a {@code row_number} over the key, a count and two
 * {@code max_by} over the whole key), with the same shuffle and sort, but evaluate every key as a window frame of
 * its own, which on a batch whose keys mostly come once cost more than the sort: the dedup's job of a days30
 * batch (330,162 records) took 5.7–5.8 s with the window and 3.3–3.4 s with the pass, the trusted rows equal. An
 * aggregation keeping the winning row ({@code max_by} of the whole row) needs the same shuffle, but its buffer is
 * a struct, so Spark plans it as a sort-based aggregation with a partial aggregation before the shuffle: two sorts
 * of every row.
 *
 * <p>The pass compares keys and versions as Java values, which agrees with Spark's grouping for text, whole
 * numbers, decimals, dates, timestamps, booleans and bytes. A key of floating-point or nested type (Spark groups
 * {@code -0.0} with {@code 0.0} and NaN with NaN, also inside structs and arrays) takes the window instead.
 */
final class VersionDedup {
    /** Ingestion order of a stage row: later batch, then file name, then position in the file. */
    static final List<String> INGESTION_ORDER = List.of(TableShape.BATCH_SEQ, "_source_file", "_record_index");

    private static final String RANK = "_rank";
    private static final String HASH = "_payload_hash";

    private VersionDedup() {
    }

    static Dataset<Row> latest(Dataset<Row> rows, List<String> key, String version) {
        StructType schema = rows.schema();
        OptionalInt versionField = field(rows, version);
        int[] keyFields = new int[key.size()];
        // No key at all is one group: the window's, whose empty partitioning is one partition.
        boolean comparable = !key.isEmpty() && versionField.isPresent()
                && comparableAsJava(schema.fields()[versionField.getAsInt()].dataType(), true);
        for (int i = 0; i < key.size() && comparable; i++) {
            OptionalInt found = field(rows, key.get(i));
            comparable = found.isPresent() && comparableAsJava(schema.fields()[found.getAsInt()].dataType(), false);
            keyFields[i] = found.orElse(-1);
        }
        OptionalInt hash = field(rows, HASH);
        if (comparable && hash.isPresent()) {
            return sorted(rows, key, version, keyFields, versionField.getAsInt(), hash.getAsInt());
        }
        return windowed(rows, key, version);
    }

    /** One pass over the batch sorted by key, version and ingestion order. */
    static Dataset<Row> sorted(Dataset<Row> rows, List<String> key, String version, int[] keyFields,
                               int versionField, int hashField) {
        Column[] groups = key.stream().map(TableShape::column).toArray(Column[]::new);
        List<Column> order = new ArrayList<>(Arrays.asList(groups));
        order.add(TableShape.column(version).desc_nulls_last());
        INGESTION_ORDER.forEach(name -> order.add(col(name).desc_nulls_last()));
        StructType out = rows.schema()
                .add("_copies", DataTypes.LongType, false)
                .add("_tie", DataTypes.BooleanType, false);
        return rows.repartition(groups).sortWithinPartitions(order.toArray(Column[]::new))
                .mapPartitions(new FirstOfKey(keyFields, versionField, hashField), Encoders.row(out));
    }

    /** The same as {@link #sorted}, with Spark's window functions: for keys the pass cannot compare. */
    static Dataset<Row> windowed(Dataset<Row> rows, List<String> key, String version) {
        Column[] groups = key.stream().map(TableShape::column).toArray(Column[]::new);
        Column versionColumn = TableShape.column(version);
        List<Column> latestFirst = new ArrayList<>();
        latestFirst.add(versionColumn.desc_nulls_last());
        INGESTION_ORDER.forEach(name -> latestFirst.add(col(name).desc_nulls_last()));
        WindowSpec byKey = Window.partitionBy(groups).orderBy(latestFirst.toArray(Column[]::new));
        WindowSpec wholeKey = byKey.rowsBetween(Window.unboundedPreceding(), Window.unboundedFollowing());
        Column hash = col(HASH);
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

    /**
     * Whether values of {@code type} are equal as Java values exactly when Spark groups them together; a version may
     * also be floating point, whose equality {@link FirstOfKey} takes as Spark's ordering does.
     */
    static boolean comparableAsJava(DataType type, boolean version) {
        return type instanceof StringType || type instanceof LongType || type instanceof IntegerType
                || type instanceof ShortType || type instanceof ByteType || type instanceof DecimalType
                || type instanceof DateType || type instanceof TimestampType || type instanceof TimestampNTZType
                || type instanceof BooleanType || type instanceof BinaryType
                || (version && (type.equals(DataTypes.DoubleType) || type.equals(DataTypes.FloatType)));
    }

    /** The position of column {@code name} in {@code rows}, resolved by Spark as any query resolves it. */
    private static OptionalInt field(Dataset<Row> rows, String name) {
        List<String> names = Arrays.asList(rows.columns());
        String resolved = rows.select(TableShape.column(name)).columns()[0];
        int index = names.indexOf(resolved);
        return index < 0 || names.lastIndexOf(resolved) != index ? OptionalInt.empty() : OptionalInt.of(index);
    }

    /**
     * Over rows sorted by key, then latest first: the first row of each key, with {@code _copies} (the key's rows)
     * and {@code _tie} (another row of the first row's version had another payload hash).
     */
    static final class FirstOfKey implements MapPartitionsFunction<Row, Row> {
        private final int[] keyFields;
        private final int versionField;
        private final int hashField;

        FirstOfKey(int[] keyFields, int versionField, int hashField) {
            this.keyFields = keyFields.clone();
            this.versionField = versionField;
            this.hashField = hashField;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> sorted) {
            return new Iterator<>() {
                private Row pending = sorted.hasNext() ? sorted.next() : null;

                @Override
                public boolean hasNext() {
                    return pending != null;
                }

                @Override
                public Row next() {
                    if (pending == null) {
                        throw new NoSuchElementException();
                    }
                    Row first = pending;
                    pending = null;
                    long copies = 1;
                    boolean tie = false;
                    while (sorted.hasNext()) {
                        Row row = sorted.next();
                        if (!sameKey(first, row)) {
                            pending = row;
                            break;
                        }
                        copies++;
                        tie = tie || (same(first.get(versionField), row.get(versionField))
                                && !Objects.equals(first.get(hashField), row.get(hashField)));
                    }
                    Object[] values = new Object[first.size() + 2];
                    for (int i = 0; i < first.size(); i++) {
                        values[i] = first.get(i);
                    }
                    values[first.size()] = copies;
                    values[first.size() + 1] = tie;
                    return RowFactory.create(values);
                }
            };
        }

        private boolean sameKey(Row a, Row b) {
            for (int field : keyFields) {
                if (!same(a.get(field), b.get(field))) {
                    return false;
                }
            }
            return true;
        }

        /** Equal as Spark groups and orders: bytes by content, floating point with -0.0 = 0.0 and NaN = NaN. */
        static boolean same(Object a, Object b) {
            if (a instanceof byte[] x && b instanceof byte[] y) {
                return Arrays.equals(x, y);
            }
            if (a instanceof Double x && b instanceof Double y) {
                return x.doubleValue() == y.doubleValue() || (x.isNaN() && y.isNaN());
            }
            if (a instanceof Float x && b instanceof Float y) {
                return x.floatValue() == y.floatValue() || (x.isNaN() && y.isNaN());
            }
            return Objects.equals(a, b);
        }
    }
}
