package io.sluice.lake;

import io.sluice.SparkJobs;
import io.sluice.SparkTestSession;
import io.sluice.storage.HadoopStorage;
import io.sluice.storage.StoredFile;
import org.apache.commons.io.FileUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.ConcurrentTransactionException;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.SetTransaction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;
import scala.collection.JavaConverters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files written inside a Delta table's folder become its rows in one idempotent commit. */
class DeltaFilesTest {
    private static final String NON_UTC_CHECK =
            "spark.databricks.delta.allFilesInCrc.verificationMode.forceOnNonUTC.enabled";
    private static final StructType ROWS = new StructType()
            .add("id", DataTypes.StringType)
            .add("amount", DataTypes.LongType)
            .add("_batch_seq", DataTypes.LongType)
            .add("extra_in_file_only", DataTypes.StringType);
    private static final StructType TABLE = new StructType()
            .add("id", DataTypes.StringType)
            .add("amount", DataTypes.LongType)
            .add("_batch_seq", DataTypes.LongType)
            .add("day", DataTypes.StringType);

    private final SparkSession spark = SparkTestSession.get();
    private final HadoopStorage storage = new HadoopStorage(spark.sessionState().newHadoopConf());

    /** Writes rows (id, amount) of batch {@code seq} as Parquet under {@code table/folder}; returns the files. */
    private List<DeltaFiles.DataFile> write(Path table, String folder, long seq, String... ids) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            rows.add(RowFactory.create(ids[i], (long) i, seq, "not a column of the table"));
        }
        String dir = table.resolve(folder).toUri().toString();
        spark.createDataFrame(rows, ROWS).repartition(2).write().parquet(dir);
        List<DeltaFiles.DataFile> files = new ArrayList<>();
        for (StoredFile file : storage.listFiles(dir)) {
            if (!file.hidden() && file.relativePath().endsWith(".parquet")) {
                long records = spark.read().parquet(file.uri()).count();
                files.add(new DeltaFiles.DataFile(folder + "/" + file.relativePath(), file.size(),
                        file.modifiedMillis(), records));
            }
        }
        return files;
    }

    private static Map<String, String> day(String day) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("day", day);
        return values;
    }

    @Test
    void createsTheTableAddsTheFilesOnceAndKeepsTheirStatistics(@TempDir Path dir) throws Exception {
        Path table = dir.resolve("t");
        String uri = table.toUri().toString();
        List<DeltaFiles.DataFile> first = write(table, "day=2026-12-01/batch-1", 1, "a", "b'c", "d\\e", "ü=%/");
        Optional<DeltaFiles.Commit> commit = DeltaFiles.appendOnce(spark, uri, first, day("2026-12-01"),
                Map.of("_batch_seq", 1L), TABLE, "writer", 1);
        assertEquals(0, commit.orElseThrow().version());
        assertEquals(first.stream().map(DeltaFiles.DataFile::path).toList(),
                commit.get().files().stream().map(AddFile::path).toList(), "the commit gives the files it added");
        assertTrue(DeltaFiles.appendOnce(spark, uri, first, day("2026-12-01"), Map.of("_batch_seq", 1L), TABLE,
                "writer", 1).isEmpty(), "a repeated commit of version 1 adds nothing");

        Dataset<Row> read = spark.read().format("delta").load(uri);
        assertEquals(TABLE, read.schema().asNullable());
        assertEquals(List.of("a", "b'c", "d\\e", "ü=%/"), read.orderBy("id").select("id").as(
                org.apache.spark.sql.Encoders.STRING()).collectAsList());
        assertEquals(4, read.filter(col("day").equalTo("2026-12-01")).count());

        String log = Files.readString(table.resolve("_delta_log/00000000000000000000.json"));
        assertTrue(log.contains("\\\"numRecords\\\""), log);
        assertTrue(log.contains("\\\"minValues\\\":{\\\"_batch_seq\\\":1}"), log);
        long records = spark.read().json(table.resolve("_delta_log/00000000000000000000.json").toString())
                .filter(col("add").isNotNull()).select(org.apache.spark.sql.functions.get_json_object(
                        col("add.stats"), "$.numRecords").cast("long")).as(org.apache.spark.sql.Encoders.LONG())
                .collectAsList().stream().mapToLong(Long::longValue).sum();
        assertEquals(4, records);
    }

    @Test
    void addsTheColumnsATableLacksInTheSameCommit(@TempDir Path dir) {
        Path table = dir.resolve("t");
        String uri = table.toUri().toString();
        spark.createDataFrame(List.of(RowFactory.create("old", "2026-11-30")), new StructType()
                        .add("id", DataTypes.StringType).add("day", DataTypes.StringType))
                .write().format("delta").partitionBy("day").mode(SaveMode.Append).save(uri);

        List<DeltaFiles.DataFile> files = write(table, "day=2026-12-01/batch-7", 7, "new");
        assertTrue(DeltaFiles.appendOnce(spark, uri, files, day("2026-12-01"), Map.of("_batch_seq", 7L), TABLE,
                "writer", 7).isPresent());

        List<Row> rows = spark.read().format("delta").load(uri).orderBy("id")
                .select("id", "amount", "_batch_seq", "day").collectAsList();
        assertEquals(List.of(RowFactory.create("new", 0L, 7L, "2026-12-01"),
                RowFactory.create("old", null, null, "2026-11-30")), rows);
    }

    @Test
    void refusesATableOfOtherPartitionsOrColumnTypes(@TempDir Path dir) {
        Path table = dir.resolve("t");
        String uri = table.toUri().toString();
        spark.createDataFrame(List.of(RowFactory.create("x", "2026-11-30", 1)), new StructType()
                        .add("id", DataTypes.StringType).add("day", DataTypes.StringType)
                        .add("amount", DataTypes.IntegerType))
                .write().format("delta").partitionBy("day").mode(SaveMode.Append).save(uri);
        List<DeltaFiles.DataFile> files = write(table, "day=2026-12-01/batch-1", 1, "y");

        IllegalStateException types = assertThrows(IllegalStateException.class, () -> DeltaFiles.appendOnce(spark,
                uri, files, day("2026-12-01"), Map.of(), TABLE, "writer", 1));
        assertTrue(types.getMessage().contains("amount"), types.getMessage());
        Map<String, String> other = new LinkedHashMap<>();
        other.put("hour", "3");
        IllegalStateException partitions = assertThrows(IllegalStateException.class, () -> DeltaFiles.appendOnce(
                spark, uri, files, other, Map.of(), TABLE, "writer", 1));
        assertTrue(partitions.getMessage().contains("partitioned by [day]"), partitions.getMessage());
        assertEquals(1, spark.read().format("delta").load(uri).count());
    }

    @Test
    void committedBatchesAreReadFromTheirCommitsFilesOnlyWhenThisCommandCommittedEveryOne(@TempDir Path dir)
            throws Exception {
        Path table = dir.resolve("t");
        String uri = table.toUri().toString();
        CommittedBatches committed = new CommittedBatches();
        List<DeltaFiles.DataFile> one = write(table, "day=2026-12-01/batch-1", 1, "a", "b'c");
        committed.record(uri, 1, DeltaFiles.appendOnce(spark, uri, one, day("2026-12-01"), Map.of("_batch_seq", 1L),
                TABLE, "writer", 1).orElseThrow(), 3);
        // Batch 2 as an earlier command would have committed it: not recorded here.
        List<DeltaFiles.DataFile> two = write(table, "day=2026-12-02/batch-2", 2, "d\\e");
        assertTrue(DeltaFiles.appendOnce(spark, uri, two, day("2026-12-02"), Map.of("_batch_seq", 2L), TABLE,
                "writer", 2).isPresent());

        Dataset<Row> rows = committed.rows(spark, uri, List.of(1L)).orElseThrow();
        assertEquals(spark.read().format("delta").load(uri).schema(), rows.schema(), "the table's columns");
        assertEquals(List.of("a|0|1|2026-12-01", "b'c|1|1|2026-12-01"), rows.orderBy("id").selectExpr(
                "concat_ws('|', id, amount, _batch_seq, day)").as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList());
        assertEquals(one.size(), rows.inputFiles().length, "only the files of batch 1's commit");
        assertEquals(OptionalLong.of(3), committed.quarantined(uri, List.of(1L)));
        assertTrue(committed.rows(spark, uri, List.of(1L, 2L)).isEmpty(), "batch 2 is left to the table's own read");
        assertTrue(committed.quarantined(uri, List.of(1L, 2L)).isEmpty());
        assertTrue(committed.rows(spark, dir.resolve("other").toUri().toString(), List.of(1L)).isEmpty());

        // The table made again at the same path is another table: the recorded files are not its rows.
        FileUtils.deleteDirectory(table.toFile());
        DeltaLog.clearCache();
        List<DeltaFiles.DataFile> again = write(table, "day=2026-12-03/batch-1", 1, "z");
        assertTrue(DeltaFiles.appendOnce(spark, uri, again, day("2026-12-03"), Map.of("_batch_seq", 1L), TABLE,
                "writer", 1).isPresent());
        assertTrue(committed.rows(spark, uri, List.of(1L)).isEmpty());
    }

    @Test
    void aRepeatedCommitIsFoundInTheChecksumWithoutAJobAndACommitUnderTheSameIdInBetweenStillConflicts(
            @TempDir Path dir) throws Exception {
        Path table = dir.resolve("t");
        String uri = table.toUri().toString();
        assertTrue(DeltaFiles.appendOnce(spark, uri, write(table, "day=2026-12-01/batch-1", 1, "a"),
                day("2026-12-01"), Map.of("_batch_seq", 1L), TABLE, "writer", 1).isPresent());
        assertTrue(Files.exists(table.resolve("_delta_log/00000000000000000000.crc")), "Delta wrote the checksum");

        // A repeat of batch 1 from a new log (no cached state): the checksum lists the table's transactions, so no
        // Spark job reconstructs the table's state to find that batch 1 is there.
        DeltaLog.clearCache();
        assertEquals(0, SparkJobs.startedDuring(spark, () -> assertTrue(DeltaFiles.appendOnce(spark, uri,
                List.of(), day("2026-12-01"), Map.of("_batch_seq", 1L), TABLE, "writer", 1).isEmpty(),
                "batch 1 is committed once")));

        // Two commits under the same id: one reads the table's transactions, another commits batch 2 in between;
        // the first fails on Delta's conflict check as it would after Delta's own txnVersion.
        DeltaLog log = DeltaLog.forTable(spark, HadoopStorage.path(uri));
        OptimisticTransaction late = log.startTransaction();
        assertEquals(1, DeltaFiles.txnVersion(late, "writer"));
        assertEquals(-1, DeltaFiles.txnVersion(late, "another"));
        assertTrue(DeltaFiles.appendOnce(spark, uri, write(table, "day=2026-12-02/batch-2", 2, "b"),
                day("2026-12-02"), Map.of("_batch_seq", 2L), TABLE, "writer", 2).isPresent());
        List<Action> batchTwo = List.of(new SetTransaction("writer", 2L, Option.empty()));
        assertThrows(ConcurrentTransactionException.class, () -> late.commit(
                JavaConverters.asScalaBuffer(batchTwo).toSeq(),
                new DeltaOperations.Write(SaveMode.Append, Option.empty(), Option.empty(), Option.empty())));

        // Without the checksum file the table's state answers, the same.
        Files.delete(table.resolve("_delta_log/00000000000000000001.crc"));
        DeltaLog.clearCache();
        OptimisticTransaction fromState =
                DeltaLog.forTable(spark, HadoopStorage.path(uri)).startTransaction();
        assertTrue(SparkJobs.startedDuring(spark,
                        () -> assertEquals(2, DeltaFiles.txnVersion(fromState, "writer"))) > 0,
                "the state is reconstructed when there is no checksum");
        assertEquals(2, spark.read().format("delta").load(uri).count());
    }

    @Test
    void rowsOfOnePartitionAreWrittenAndCommittedOnceWithNoJobButTheirWrite(@TempDir Path dir) throws Exception {
        Path table = dir.resolve("t");
        String uri = table.toUri().toString();
        String hostile = "a'b\\c/d%e=f ü:g";
        StructType schema = new StructType().add("id", DataTypes.StringType).add("_batch_seq", DataTypes.LongType)
                .add("day", DataTypes.StringType);
        Dataset<Row> first = spark.createDataFrame(List.of(RowFactory.create("x", 1L, hostile),
                RowFactory.create("y'\\", 1L, hostile)), schema);
        assertEquals(0, DeltaFiles.appendRowsOnce(spark, storage, uri, first, day(hostile), Map.of("_batch_seq", 1L),
                "rows", 1).orElseThrow().version(), "the first append creates the table");

        // A later append to the table: the write of its rows is its only Spark job, as a plain Parquet write of them;
        // Delta's writer with the same transaction options reconstructs the table's state. (Delta's check of each
        // commit's checksum against the state, which it forces when the JVM's time zone is not UTC as in these
        // tests, is off for the comparison.)
        Dataset<Row> second = spark.createDataFrame(List.of(RowFactory.create("z", 2L, "2026-12-02")), schema);
        Dataset<Row> third = spark.createDataFrame(List.of(RowFactory.create("w", 3L, "2026-12-03")), schema);
        spark.conf().set(NON_UTC_CHECK, "false");
        try {
            DeltaLog.clearCache();
            int plain = SparkJobs.startedDuring(spark, () -> second.write().parquet(dir.resolve("plain").toString()));
            int appended = SparkJobs.startedDuring(spark, () -> assertEquals(1, DeltaFiles.appendRowsOnce(spark,
                    storage, uri, second, day("2026-12-02"), Map.of("_batch_seq", 2L), "rows", 2).orElseThrow()
                    .version()));
            assertEquals(plain, appended, "no job reconstructs the table's state to learn whether batch 2 was there");
            DeltaLog.clearCache();
            int deltaWriter = SparkJobs.startedDuring(spark, () -> DeltaWrites.appendOnce(third, uri, List.of("day"),
                    "rows", 3));
            assertTrue(deltaWriter > plain, "Delta's writer: " + deltaWriter + " jobs, a plain write " + plain);
        } finally {
            spark.conf().unset(NON_UTC_CHECK);
        }

        // A repeat of either batch writes nothing and leaves no folder behind.
        DeltaLog.clearCache();
        List<String> folders = storage.listDirectories(table.resolve("day=2026-12-02").toUri().toString());
        assertEquals(0, SparkJobs.startedDuring(spark, () -> {
            assertTrue(DeltaFiles.appendRowsOnce(spark, storage, uri, second, day("2026-12-02"), Map.of(), "rows", 2)
                    .isEmpty());
            assertTrue(DeltaFiles.appendRowsOnce(spark, storage, uri, first, day(hostile), Map.of(), "rows", 1)
                    .isEmpty());
        }));
        assertEquals(folders, storage.listDirectories(table.resolve("day=2026-12-02").toUri().toString()));

        Dataset<Row> read = spark.read().format("delta").load(uri);
        assertEquals(schema.asNullable(), read.schema());
        assertEquals(List.of(RowFactory.create("w", 3L, "2026-12-03"), RowFactory.create("x", 1L, hostile),
                RowFactory.create("y'\\", 1L, hostile), RowFactory.create("z", 2L, "2026-12-02")),
                read.orderBy("id").collectAsList());
        assertEquals(2, read.filter(col("day").equalTo(hostile)).count(), "the partition value as written");
        assertEquals(1, read.filter(col("_batch_seq").equalTo(2L)).inputFiles().length,
                "the constants' statistics let a query of batch 2 skip batch 1's files");
        assertEquals(List.of(), storage.listFiles(uri).stream().map(StoredFile::relativePath)
                .filter(path -> path.endsWith("_SUCCESS")).toList(), "no marker files left in the table");
    }

    @Test
    void aTableThatMapsColumnNamesOrHasCheckConstraintsGetsItsRowsThroughDeltasWriter(@TempDir Path dir) {
        String uri = dir.resolve("t").toUri().toString();
        StructType schema = new StructType().add("id", DataTypes.StringType).add("amount", DataTypes.LongType);
        spark.createDataFrame(List.of(RowFactory.create("a", 1L)), schema).write().format("delta")
                .option("delta.columnMapping.mode", "name").save(uri);
        spark.sql("ALTER TABLE delta.`" + uri + "` RENAME COLUMN amount TO total");
        StructType renamed = new StructType().add("id", DataTypes.StringType).add("total", DataTypes.LongType);

        // Files written as they are would hold "total" where the table's files hold the column's physical name.
        DeltaWrites.appendOnce(spark, storage, spark.createDataFrame(List.of(RowFactory.create("b", 2L)), renamed),
                uri, Map.of(), Map.of(), "rows", 1);
        assertEquals(List.of(RowFactory.create("a", 1L), RowFactory.create("b", 2L)),
                spark.read().format("delta").load(uri).orderBy("id").collectAsList());

        spark.sql("ALTER TABLE delta.`" + uri + "` ADD CONSTRAINT positive CHECK (total > 0)");
        assertThrows(RuntimeException.class, () -> DeltaWrites.appendOnce(spark, storage, spark.createDataFrame(
                List.of(RowFactory.create("c", -3L)), renamed), uri, Map.of(), Map.of(), "rows", 2),
                "Delta's writer applies the constraint");
        assertEquals(2, spark.read().format("delta").load(uri).count());
    }
}
