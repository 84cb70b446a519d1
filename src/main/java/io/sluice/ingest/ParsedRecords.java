package io.sluice.ingest;

import io.sluice.config.FieldType;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * The records of a set of landing files as one DataFrame: the profile's typed columns, then
 * {@code _source_file}, {@code _source_fingerprint}, {@code _record_index}, {@code _record_line},
 * {@code _error} (null for a usable record) and {@code _raw} (the text of a rejected one). After a file's
 * records comes one file-end row: {@code _record_index} {@value #FILE_END_INDEX}, {@code _record_line} the
 * number of records the file held, {@code _source_fingerprint} the SHA-256 of the file as stored (null on
 * record rows: it is known only once the whole file was read). Each file is streamed by one task, so the
 * file list is spread over tasks largest first.
 */
public final class ParsedRecords {
    static final int TRAILING_COLUMNS = 6;
    /** {@code _record_index} of a file-end row. */
    public static final long FILE_END_INDEX = -1;

    /** A record of a file, good or bad, as opposed to a file-end row. */
    public static Column isRecord() {
        return col("_record_index").geq(0);
    }

    /** The file-end row of a file that held no record at all (empty or blank). */
    public static Column isEmptyFile() {
        return col("_record_index").equalTo(FILE_END_INDEX).and(col("_record_line").equalTo(0));
    }

    private ParsedRecords() {
    }

    /** Reads {@code files} with {@code typer}; lazily, like any DataFrame. */
    public static Dataset<Row> read(SparkSession spark, List<FileTask> files, List<Long> sizes, RecordTyper typer) {
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int slices = Math.max(1, Math.min(files.size(), context.defaultParallelism() * 4));
        List<List<FileTask>> buckets = balance(files, sizes, slices);
        HadoopConf conf = new HadoopConf(spark.sessionState().newHadoopConf());
        JavaRDD<Row> rows = context.parallelize(buckets, slices).mapPartitions(new FileReader(typer, conf));
        return spark.createDataFrame(rows, schema(typer));
    }

    /** Spreads files over {@code slices} buckets of similar byte counts, largest first; one bucket per task. */
    private static List<List<FileTask>> balance(List<FileTask> files, List<Long> sizes, int slices) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingLong((Integer i) -> sizes.get(i)).reversed());
        List<List<FileTask>> buckets = new ArrayList<>();
        long[] load = new long[slices];
        for (int s = 0; s < slices; s++) {
            buckets.add(new ArrayList<>());
        }
        for (int i : order) {
            int lightest = 0;
            for (int s = 1; s < slices; s++) {
                if (load[s] < load[lightest]) {
                    lightest = s;
                }
            }
            buckets.get(lightest).add(files.get(i));
            load[lightest] += Math.max(1, sizes.get(i));
        }
        return buckets;
    }

    public static StructType schema(RecordTyper typer) {
        List<StructField> fields = new ArrayList<>();
        List<String> names = typer.columnNames();
        List<FieldType> types = typer.fieldTypes();
        for (int i = 0; i < names.size(); i++) {
            DataType type = i < types.size() ? sparkType(types.get(i)) : DataTypes.StringType;
            fields.add(DataTypes.createStructField(names.get(i), type, true));
        }
        fields.add(DataTypes.createStructField("_source_file", DataTypes.StringType, false));
        fields.add(DataTypes.createStructField("_source_fingerprint", DataTypes.StringType, true));
        fields.add(DataTypes.createStructField("_record_index", DataTypes.LongType, false));
        fields.add(DataTypes.createStructField("_record_line", DataTypes.LongType, false));
        fields.add(DataTypes.createStructField("_error", DataTypes.StringType, true));
        fields.add(DataTypes.createStructField("_raw", DataTypes.StringType, true));
        return DataTypes.createStructType(fields);
    }

    static DataType sparkType(FieldType type) {
        return switch (type) {
            case STRING, JSON -> DataTypes.StringType;
            case TIMESTAMP -> DataTypes.TimestampType;
            case LONG -> DataTypes.LongType;
            case DOUBLE -> DataTypes.DoubleType;
            case BOOLEAN -> DataTypes.BooleanType;
        };
    }
}
