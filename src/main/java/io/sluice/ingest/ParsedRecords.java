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
import java.util.TreeMap;
import java.util.Map;
import java.util.HashMap;
import java.util.Optional;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_from_arrays;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * The records of a set of landing files as one DataFrame: the profile's typed columns, then
 * {@code _source_file}, {@code _source_fingerprint}, {@code _record_index}, {@code _record_line},
 * {@code _error} (null for a usable record) and {@code _raw} (the text of a rejected one). After a file's
 * records comes one file-end row: {@code _record_index} {@value #FILE_END_INDEX}, {@code _record_line} the
 * number of records the file held, {@code _source_fingerprint} the SHA-256 of the file as stored (null on
 * record rows: it is known only once the whole file was read). Each file is streamed by one task, except
 * uncompressed JSON-lines files larger than the split size ({@link JsonLinesProbe}, {@link #splitBytes}): those are
 * read in splits cut at line boundaries, in parallel, plus one task that fingerprints the whole file (SHA-256 is not combinable, so
 * the fingerprint of a split file is one more streaming pass over its bytes, alongside the splits). Rows of a
 * split carry the file's positions as counted ahead of the read ({@link SplitCounter}: a record per non-blank
 * line), and {@code _split} its number; each split ends with a split-end row ({@code _record_index}
 * {@value #SPLIT_END_INDEX}, {@code _record_line} the lines it read), and {@link Read#positioned} corrects the
 * positions where the count ahead was wrong. The work is spread over tasks largest first.
 */
public final class ParsedRecords {
    static final int TRAILING_COLUMNS = 7;
    /** {@code _record_index} of a file-end row. */
    public static final long FILE_END_INDEX = -1;
    /** {@code _record_index} of a split-end row. */
    public static final long SPLIT_END_INDEX = -2;
    /** Relative weight of fingerprinting a byte against parsing it, for spreading tasks. */
    private static final long HASH_COST_DIVISOR = 8;
    /** How the reasons {@link #isDamage} names begin, but for text that is not of its character set. */
    static final List<String> DAMAGE_PREFIXES = List.of(LandingText.CORRUPT_GZIP, AvroRecordReader.CORRUPT_AVRO,
            CsvRecordReader.UNREADABLE_CSV);

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

    /** Reads JSON {@code files} whole, one task each, with {@code typer}; lazily, like any DataFrame. */
    public static Dataset<Row> read(SparkSession spark, List<FileTask> files, List<Long> sizes, RecordTyper typer) {
        return read(spark, files, sizes, typer, LandingLayout.JSON, Long.MAX_VALUE).rows();
    }

    /** Reads JSON {@code files}, cutting JSON-lines files larger than {@code splitSize} bytes into splits. */
    public static Read read(SparkSession spark, List<FileTask> files, List<Long> sizes, RecordTyper typer,
                            long splitSize) {
        return read(spark, files, sizes, typer, LandingLayout.JSON, splitSize);
    }

    /**
     * Why a file could not be read to its end (a corrupt gzip or Avro file, bytes not of its character set, CSV
     * the parser cannot go on with): a quarantine reason that is about the file, not one record.
     */
    public static Column isDamage(Column error) {
        Column damage = error.rlike(LandingText.NOT_TEXT_PATTERN);
        for (String prefix : DAMAGE_PREFIXES) {
            damage = damage.or(error.startsWith(prefix));
        }
        return damage;
    }


    /**
     * The rows of a read, whether any file was read in splits (then {@link #positioned} checks their positions),
     * what the rows add up to once one action has read them all, and the record and line offsets each split was
     * given ahead of the read (per file, then split number).
     */
    public record Read(Dataset<Row> rows, boolean split, ReadTally tally, Map<String, Map<Integer, long[]>> predicted) {
        /**
         * {@code stored}, rows of this read as written by its one pass, with split files' record positions made
         * the file's where the positions counted ahead of the read were wrong.
         */
        public Positioned positioned(Dataset<Row> stored) {
            return split ? ParsedRecords.positioned(stored, tally.complete(), predicted)
                    : new Positioned(stored, false);
        }
    }

    /** Rows with the file's positions, and whether any had to be corrected after the read. */
    public record Positioned(Dataset<Row> rows, boolean corrected) {
    }

    /**
     * Reads {@code files}, laid out as {@code layout} says, with {@code typer}, cutting JSON-lines files larger than
     * {@code splitSize} bytes into splits (CSV and Avro files are always read whole: a quoted line break or a block
     * makes a byte range unsafe); lazily, but for a look at the first bytes of each JSON file that large.
     */
    public static Read read(SparkSession spark, List<FileTask> files, List<Long> sizes, RecordTyper typer,
                            LandingLayout layout, long splitSize) {
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        org.apache.hadoop.conf.Configuration hadoop = spark.sessionState().newHadoopConf();
        List<FileTask> tasks = new ArrayList<>();
        List<Long> weights = new ArrayList<>();
        boolean split = false;
        long cut = splitBytes(splitSize, sizes.stream().mapToLong(Long::longValue).sum(),
                context.defaultParallelism(), spark.sessionState().conf().filesOpenCostInBytes());
        for (int i = 0; i < files.size(); i++) {
            FileTask file = files.get(i);
            long size = sizes.get(i);
            if (size > cut && layout.splittable() && JsonLinesProbe.splittable(file.uri(), hadoop)) {
                split = true;
                int n = 0;
                for (long start = 0; start < size; start += cut, n++) {
                    tasks.add(new FileTask(file.uri(), file.relativePath(), FileTask.Kind.SPLIT, n, start,
                            Math.min(size, start + cut), 0, 0));
                    weights.add(Math.min(size, start + cut) - start);
                }
                tasks.add(new FileTask(file.uri(), file.relativePath(), FileTask.Kind.FINGERPRINT, 0, 0, size, 0, 0));
                weights.add(size / HASH_COST_DIVISOR);
            } else {
                tasks.add(file);
                weights.add(size);
            }
        }
        Map<String, Map<Integer, long[]>> predicted = split ? predictPositions(context, tasks, new HadoopConf(hadoop))
                : Map.of();
        int slices = Math.max(1, Math.min(tasks.size(), context.defaultParallelism() * 4));
        List<List<FileTask>> buckets = balance(tasks, weights, slices);
        HadoopConf conf = new HadoopConf(hadoop);
        StructType schema = schema(typer);
        ReadTally tally = new ReadTally(spark, slices);
        JavaRDD<Row> rows = context.parallelize(buckets, slices)
                .mapPartitions(new FileReader(typer, layout, conf, tally, schema.fieldIndex("_source_file")));
        return new Read(spark.createDataFrame(rows, schema), split, tally, predicted);
    }

    /**
     * Counts the lines of every split ahead of the read (one pass over the bytes of split files, in parallel) and
     * gives each split task the records and lines of the splits before it, taking a non-blank line for a record.
     *
     * @return per file and split, the record and line offsets given
     */
    private static Map<String, Map<Integer, long[]>> predictPositions(JavaSparkContext context, List<FileTask> tasks,
                                                                      HadoopConf conf) {
        List<FileTask> splits = tasks.stream().filter(t -> t.kind() == FileTask.Kind.SPLIT).toList();
        List<long[]> counted = context.parallelize(splits, Math.max(1, splits.size())).map(new SplitCounter(conf))
                .collect();
        // A file's splits are listed in order, so each offset is the running sum of the splits before it.
        Map<String, Map<Integer, long[]>> offsets = new HashMap<>();
        Map<String, long[]> running = new HashMap<>();
        for (int i = 0; i < splits.size(); i++) {
            FileTask split = splits.get(i);
            long[] sum = running.computeIfAbsent(split.relativePath(), f -> new long[2]);
            offsets.computeIfAbsent(split.relativePath(), f -> new TreeMap<>()).put(split.split(), sum.clone());
            sum[0] += counted.get(i)[2];
            sum[1] += counted.get(i)[1];
        }
        tasks.replaceAll(task -> {
            if (task.kind() != FileTask.Kind.SPLIT) {
                return task;
            }
            long[] offset = offsets.get(task.relativePath()).get(task.split());
            return task.after(offset[0], offset[1]);
        });
        return offsets;
    }

    /**
     * The split size of a read, as Spark's file sources choose theirs: at most {@code splitSize}, and smaller when
     * the batch holds fewer bytes than that per core, so one big file keeps every core busy; never below the cost
     * of opening a file ({@code spark.sql.files.openCostInBytes}), so small files stay whole.
     */
    static long splitBytes(long splitSize, long totalBytes, int parallelism, long openCost) {
        long perCore = totalBytes / Math.max(1, parallelism);
        return Math.min(splitSize, Math.max(openCost, perCore));
    }

    /**
     * {@code parsed} with the positions of split files' records made the file's: each split's record indexes and
     * lines follow those of the splits before it. The rows carry the offsets {@code predicted} gave their split;
     * where the split lengths — from {@code counts} of the pass that wrote {@code parsed}, else from one small
     * aggregation over it (read it from stored rows, not from the landing files, or they are parsed twice) — give
     * others, the difference is added.
     */
    public static Positioned positioned(Dataset<Row> parsed, Optional<ReadTally.Counts> counts,
                                        Map<String, Map<Integer, long[]>> predicted) {
        List<Object[]> splits = new ArrayList<>();
        if (counts.isPresent()) {
            counts.get().files().forEach((file, bySplit) -> bySplit.forEach((number, split) -> {
                if (split.lines() != null) {
                    splits.add(new Object[] {file, number, split.records(), split.lines()});
                }
            }));
        } else {
            for (Row split : parsed.groupBy("_source_file", "_split")
                    .agg(sum(when(isRecord(), 1L).otherwise(0L)).as("records"),
                            max(when(col("_record_index").equalTo(SPLIT_END_INDEX), col("_record_line")))
                                    .as("lines"))
                    .where(col("lines").isNotNull())
                    .orderBy("_source_file", "_split")
                    .collectAsList()) {
                splits.add(new Object[] {split.getString(0), split.getInt(1), split.getLong(2), split.getLong(3)});
            }
        }
        List<Column> keys = new ArrayList<>();
        List<Column> indexOffsets = new ArrayList<>();
        List<Column> lineOffsets = new ArrayList<>();
        String file = null;
        long records = 0;
        long lines = 0;
        for (Object[] split : splits) {
            if (!split[0].equals(file)) {
                file = (String) split[0];
                records = 0;
                lines = 0;
            }
            long[] given = predicted.getOrDefault(file, Map.of()).getOrDefault((Integer) split[1], new long[2]);
            if (records != given[0] || lines != given[1]) {
                keys.add(lit(file + "\u0000" + split[1]));
                indexOffsets.add(lit(records - given[0]));
                lineOffsets.add(lit(lines - given[1]));
            }
            records += (Long) split[2];
            lines += (Long) split[3];
        }
        if (keys.isEmpty()) {
            return new Positioned(parsed, false);
        }
        Column key = concat(col("_source_file"), lit("\u0000"), col("_split").cast(DataTypes.StringType));
        Column[] keyArray = keys.toArray(Column[]::new);
        Column indexOffset = coalesce(element_at(map_from_arrays(array(keyArray),
                array(indexOffsets.toArray(Column[]::new))), key), lit(0L));
        Column lineOffset = coalesce(element_at(map_from_arrays(array(keyArray),
                array(lineOffsets.toArray(Column[]::new))), key), lit(0L));
        return new Positioned(parsed
                .withColumn("_record_index", when(isRecord(), col("_record_index").plus(indexOffset))
                        .otherwise(col("_record_index")))
                .withColumn("_record_line", when(isRecord(), col("_record_line").plus(lineOffset))
                        .otherwise(col("_record_line"))), true);
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

    /** The profile's typed columns, as every source's rows begin: declared fields typed, kept keys as strings. */
    public static List<StructField> typedFields(RecordTyper typer) {
        List<StructField> fields = new ArrayList<>();
        List<String> names = typer.columnNames();
        List<FieldType> types = typer.fieldTypes();
        for (int i = 0; i < names.size(); i++) {
            DataType type = i < types.size() ? sparkType(types.get(i)) : DataTypes.StringType;
            fields.add(DataTypes.createStructField(names.get(i), type, true));
        }
        return fields;
    }

    public static StructType schema(RecordTyper typer) {
        List<StructField> fields = typedFields(typer);
        fields.add(DataTypes.createStructField("_source_file", DataTypes.StringType, false));
        fields.add(DataTypes.createStructField("_source_fingerprint", DataTypes.StringType, true));
        fields.add(DataTypes.createStructField("_record_index", DataTypes.LongType, false));
        fields.add(DataTypes.createStructField("_record_line", DataTypes.LongType, false));
        fields.add(DataTypes.createStructField("_error", DataTypes.StringType, true));
        fields.add(DataTypes.createStructField("_raw", DataTypes.StringType, true));
        fields.add(DataTypes.createStructField("_split", DataTypes.IntegerType, false));
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
