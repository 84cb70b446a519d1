package io.sluice.lake;

import io.delta.tables.DeltaTable;
import io.sluice.SparkJobs;
import io.sluice.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idempotent appends through Delta's writer, whose question whether they happened the log's checksum answers. */
class DeltaWritesTest {
    /** Delta's check of each commit's checksum against the table's state, which it forces outside UTC. */
    private static final String NON_UTC_CHECK =
            "spark.databricks.delta.allFilesInCrc.verificationMode.forceOnNonUTC.enabled";
    private static final StructType SCHEMA = new StructType().add("id", DataTypes.StringType)
            .add("amount", DataTypes.LongType).add("day", DataTypes.StringType);

    private final SparkSession spark = SparkTestSession.get();

    private Dataset<Row> rows(Object[]... values) {
        return spark.createDataFrame(Arrays.stream(values).map(RowFactory::create).toList(), SCHEMA);
    }

    @Test
    void appendsOnceWithoutReconstructingTheTablesStateToLearnWhetherItDid(@TempDir Path dir) throws Exception {
        String uri = dir.resolve("t").toUri().toString();
        String hostile = "a'b\\c/d%e=f ü:g";
        DeltaWrites.appendOnce(rows(new Object[]{"x", 1L, hostile}, new Object[]{"y'\\", 2L, hostile}), uri,
                List.of("day"), "writer", 1);

        // With Delta's check of each commit against the state off (these tests run outside UTC), a later append
        // starts as many Spark jobs as a plain append without a transaction; Delta's writer asked to be idempotent
        // starts more, reconstructing the table's state for its transaction version.
        spark.conf().set(NON_UTC_CHECK, "false");
        try {
            DeltaLog.clearCache();
            int plain = SparkJobs.startedDuring(spark, () -> rows(new Object[]{"p", 0L, "2026-12-01"}).write()
                    .format("delta").mode(SaveMode.Append).save(uri));
            DeltaLog.clearCache();
            int once = SparkJobs.startedDuring(spark, () -> DeltaWrites.appendOnce(
                    rows(new Object[]{"z", 3L, "2026-12-02"}), uri, List.of("day"), "writer", 2));
            DeltaLog.clearCache();
            int writers = SparkJobs.startedDuring(spark, () -> rows(new Object[]{"w", 4L, "2026-12-03"}).write()
                    .format("delta").mode(SaveMode.Append).option("txnAppId", "other").option("txnVersion", 1)
                    .save(uri));
            assertEquals(plain, once, "no job reconstructs the table's state to learn whether batch 2 was appended");
            assertTrue(writers > plain, "Delta's writer's own check: " + writers + " jobs, a plain append " + plain);
        } finally {
            spark.conf().unset(NON_UTC_CHECK);
        }

        // A repeat of either batch starts no job and adds nothing.
        DeltaLog.clearCache();
        assertEquals(0, SparkJobs.startedDuring(spark, () -> {
            DeltaWrites.appendOnce(rows(new Object[]{"z", 3L, "2026-12-02"}), uri, List.of("day"), "writer", 2);
            DeltaWrites.appendOnce(rows(new Object[]{"x", 1L, hostile}), uri, List.of("day"), "writer", 1);
        }));
        Dataset<Row> read = spark.read().format("delta").load(uri);
        assertEquals(List.of(RowFactory.create("p", 0L, "2026-12-01"), RowFactory.create("w", 4L, "2026-12-03"),
                RowFactory.create("x", 1L, hostile), RowFactory.create("y'\\", 2L, hostile),
                RowFactory.create("z", 3L, "2026-12-02")), read.orderBy("id").collectAsList());
        assertEquals(2, read.filter(col("day").equalTo(hostile)).count());

        // Delta's writer wrote the files: their statistics cover every column, so a query skips files on them.
        String log = Files.readString(dir.resolve("t/_delta_log/00000000000000000002.json"));
        assertTrue(log.contains("\\\"minValues\\\":{\\\"id\\\":\\\"z\\\",\\\"amount\\\":3}"), log);
        assertEquals(1, read.filter(col("amount").equalTo(3L)).inputFiles().length);
    }

    @Test
    void recordsWhatTheCommitConsumedInItsUserMetadata(@TempDir Path dir) {
        String uri = dir.resolve("t").toUri().toString();
        DeltaWrites.appendOnce(rows(new Object[]{"x", 1L, "2026-12-01"}), uri, List.of("day"), "writer", 7,
                "{\"clicks/0\":[0,42]}");
        DeltaWrites.appendOnce(rows(new Object[]{"x", 1L, "2026-12-01"}), uri, List.of("day"), "writer", 7,
                "{\"clicks/0\":[0,42]}");
        List<Row> history = DeltaTable.forPath(spark, uri).history().select("version", "userMetadata")
                .collectAsList();
        assertEquals(List.of(RowFactory.create(0L, "{\"clicks/0\":[0,42]}")), history);
    }

    @Test
    void aTableThatMapsColumnNamesOrHasCheckConstraintsGetsItsRowsAsDeltasWriterAddsThem(@TempDir Path dir) {
        String uri = dir.resolve("t").toUri().toString();
        StructType schema = new StructType().add("id", DataTypes.StringType).add("amount", DataTypes.LongType);
        spark.createDataFrame(List.of(RowFactory.create("a", 1L)), schema).write().format("delta")
                .option("delta.columnMapping.mode", "name").save(uri);
        spark.sql("ALTER TABLE delta.`" + uri + "` RENAME COLUMN amount TO total");
        StructType renamed = new StructType().add("id", DataTypes.StringType).add("total", DataTypes.LongType);

        DeltaWrites.appendOnce(spark.createDataFrame(List.of(RowFactory.create("b", 2L)), renamed), uri, List.of(),
                "rows", 1);
        assertEquals(List.of(RowFactory.create("a", 1L), RowFactory.create("b", 2L)),
                spark.read().format("delta").load(uri).orderBy("id").collectAsList());

        spark.sql("ALTER TABLE delta.`" + uri + "` ADD CONSTRAINT positive CHECK (total > 0)");
        assertThrows(RuntimeException.class, () -> DeltaWrites.appendOnce(spark.createDataFrame(
                        List.of(RowFactory.create("c", -3L)), renamed), uri, List.of(), "rows", 2),
                "Delta's writer applies the constraint");
        assertEquals(2, spark.read().format("delta").load(uri).count());
    }
}
