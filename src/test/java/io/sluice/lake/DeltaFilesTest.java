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
                Map.of("_batch_seq", 1L), TABLE, "writer", 1, null);
        assertEquals(0, commit.orElseThrow().version());
        assertEquals(first.stream().map(DeltaFiles.DataFile::path).toList(),
                commit.get().files().stream().map(AddFile::path).toList(), "the commit gives the files it added");
        assertTrue(DeltaFiles.appendOnce(spark, uri, first, day("2026-12-01"), Map.of("_batch_seq", 1L), TABLE,
                "writer", 1, null).isEmpty(), "a repeated commit of version 1 adds nothing");

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
                "writer", 7, null).isPresent());

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
                uri, files, day("2026-12-01"), Map.of(), TABLE, "writer", 1, null));
        assertTrue(types.getMessage().contains("amount"), types.getMessage());
        Map<String, String> other = new LinkedHashMap<>();
        other.put("hour", "3");
        IllegalStateException partitions = assertThrows(IllegalStateException.class, () -> DeltaFiles.appendOnce(
                spark, uri, files, other, Map.of(), TABLE, "writer", 1, null));
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
                TABLE, "writer", 1, null).orElseThrow(), 2, 3);
        // Batch 2 as an earlier command would have committed it: not recorded here.
        List<DeltaFiles.DataFile> two = write(table, "day=2026-12-02/batch-2", 2, "d\\e");
        assertTrue(DeltaFiles.appendOnce(spark, uri, two, day("2026-12-02"), Map.of("_batch_seq", 2L), TABLE,
                "writer", 2, null).isPresent());

        Dataset<Row> rows = committed.rows(spark, uri, List.of(1L)).orElseThrow();
        assertEquals(spark.read().format("delta").load(uri).schema(), rows.schema(), "the table's columns");
        assertEquals(List.of("a|0|1|2026-12-01", "b'c|1|1|2026-12-01"), rows.orderBy("id").selectExpr(
                "concat_ws('|', id, amount, _batch_seq, day)").as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList());
        assertEquals(one.size(), rows.inputFiles().length, "only the files of batch 1's commit");
        assertEquals(new CommittedBatches.ParsedCounts(OptionalLong.of(2), 3), committed.counts(uri, List.of(1L))
                .orElseThrow());
        assertTrue(committed.rows(spark, uri, List.of(1L, 2L)).isEmpty(), "batch 2 is left to the table's own read");
        assertTrue(committed.counts(uri, List.of(1L, 2L)).isEmpty());
        assertTrue(committed.rows(spark, dir.resolve("other").toUri().toString(), List.of(1L)).isEmpty());

        // The table made again at the same path is another table: the recorded files are not its rows.
        FileUtils.deleteDirectory(table.toFile());
        DeltaLog.clearCache();
        List<DeltaFiles.DataFile> again = write(table, "day=2026-12-03/batch-1", 1, "z");
        assertTrue(DeltaFiles.appendOnce(spark, uri, again, day("2026-12-03"), Map.of("_batch_seq", 1L), TABLE,
                "writer", 1, null).isPresent());
        assertTrue(committed.rows(spark, uri, List.of(1L)).isEmpty());
    }

    @Test
    void aRepeatedCommitIsFoundInTheChecksumWithoutAJobAndACommitUnderTheSameIdInBetweenStillConflicts(
            @TempDir Path dir) throws Exception {
        Path table = dir.resolve("t");
        String uri = table.toUri().toString();
        assertTrue(DeltaFiles.appendOnce(spark, uri, write(table, "day=2026-12-01/batch-1", 1, "a"),
                day("2026-12-01"), Map.of("_batch_seq", 1L), TABLE, "writer", 1, null).isPresent());
        assertTrue(Files.exists(table.resolve("_delta_log/00000000000000000000.crc")), "Delta wrote the checksum");

        // A repeat of batch 1 from a new log (no cached state): the checksum lists the table's transactions, so no
        // Spark job reconstructs the table's state to find that batch 1 is there.
        DeltaLog.clearCache();
        assertEquals(0, SparkJobs.startedDuring(spark, () -> assertTrue(DeltaFiles.appendOnce(spark, uri,
                List.of(), day("2026-12-01"), Map.of("_batch_seq", 1L), TABLE, "writer", 1, null).isEmpty(),
                "batch 1 is committed once")));

        // Two commits under the same id: one reads the table's transactions, another commits batch 2 in between;
        // the first fails on Delta's conflict check as it would after Delta's own txnVersion.
        DeltaLog log = DeltaLog.forTable(spark, HadoopStorage.path(uri));
        OptimisticTransaction late = log.startTransaction();
        assertEquals(1, DeltaFiles.txnVersion(late, "writer"));
        assertEquals(-1, DeltaFiles.txnVersion(late, "another"));
        assertTrue(DeltaFiles.appendOnce(spark, uri, write(table, "day=2026-12-02/batch-2", 2, "b"),
                day("2026-12-02"), Map.of("_batch_seq", 2L), TABLE, "writer", 2, null).isPresent());
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
    void aTableThatMapsColumnNamesOrHasCheckConstraintsTakesNoFilesAsTheyAre(@TempDir Path dir) {
        Path mapped = dir.resolve("mapped");
        spark.createDataFrame(List.of(RowFactory.create("a", 0L, 0L, "2026-12-01")), TABLE).write().format("delta")
                .option("delta.columnMapping.mode", "name").partitionBy("day").save(mapped.toString());
        // The files hold "amount"; the table's files hold the column's physical name, so they would read as nulls.
        List<DeltaFiles.DataFile> files = write(mapped, "day=2026-12-02/batch-1", 1, "b");
        assertThrows(DeltaFiles.NeedsDeltaWriter.class, () -> DeltaFiles.appendOnce(spark, mapped.toUri().toString(),
                files, day("2026-12-02"), Map.of("_batch_seq", 1L), TABLE, "writer", 1, null));

        Path checked = dir.resolve("checked");
        spark.createDataFrame(List.of(RowFactory.create("a", 0L, 0L, "2026-12-01")), TABLE).write().format("delta")
                .partitionBy("day").save(checked.toString());
        spark.sql("ALTER TABLE delta.`" + checked + "` ADD CONSTRAINT positive CHECK (amount > 0 OR id = 'a')");
        List<DeltaFiles.DataFile> unchecked = write(checked, "day=2026-12-02/batch-1", 1, "b");
        assertThrows(DeltaFiles.NeedsDeltaWriter.class, () -> DeltaFiles.appendOnce(spark,
                checked.toUri().toString(), unchecked, day("2026-12-02"), Map.of("_batch_seq", 1L), TABLE, "writer",
                1, null));
        assertEquals(1, spark.read().format("delta").load(mapped.toString()).count());
        assertEquals(1, spark.read().format("delta").load(checked.toString()).count());
    }
}
