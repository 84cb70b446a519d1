package io.sluice.lake;

import io.delta.tables.DeltaTable;
import io.sluice.SparkJobs;
import io.sluice.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the log says of a table's files and transactions equals what its state says, with and without the checksum
 * file.
 */
class DeltaMetadataTest {
    private final SparkSession spark = SparkTestSession.get();

    @Test
    void fileCountAndSizeComeFromTheChecksumWithoutAJobAndEqualTheTablesState(@TempDir Path dir) throws Exception {
        String path = dir.resolve("t").toUri().toString();
        spark.range(0, 1000).withColumn("day", col("id").mod(7)).repartition(3).write().format("delta")
                .partitionBy("day").save(path);
        spark.range(1000, 1100).withColumn("day", col("id").mod(7)).coalesce(1).write().format("delta")
                .mode("append").partitionBy("day").save(path);
        Row detail = DeltaTable.forPath(spark, path).detail().first();
        long files = detail.getLong(detail.fieldIndex("numFiles"));
        long bytes = detail.getLong(detail.fieldIndex("sizeInBytes"));
        assertTrue(Files.exists(dir.resolve("t/_delta_log/00000000000000000001.crc")), "Delta wrote the checksum");

        // A new log (no cached state) read for its figures: the checksum answers them, no Spark job runs.
        DeltaLog.clearCache();
        assertEquals(0, SparkJobs.startedDuring(spark, () -> {
            DeltaMetadata meta = DeltaMetadata.read(spark, path).orElseThrow();
            assertEquals(files, meta.fileCount());
            assertEquals(bytes, meta.sizeInBytes());
        }), "Spark jobs run to count the files");

        // Without the checksum file, the figures come from the table's state, and they are the same.
        Files.delete(dir.resolve("t/_delta_log/00000000000000000001.crc"));
        DeltaLog.clearCache();
        DeltaMetadata meta = DeltaMetadata.read(spark, path).orElseThrow();
        assertEquals(files, meta.fileCount());
        assertEquals(bytes, meta.sizeInBytes());
    }

    @Test
    void txnVersionComesFromTheChecksumWithoutAJobAndEqualsTheTablesState(@TempDir Path dir) throws Exception {
        String path = dir.resolve("t").toUri().toString();
        spark.range(0, 10).write().format("delta").option("txnAppId", "parse-a").option("txnVersion", 1).save(path);
        spark.range(10, 20).write().format("delta").mode("append").option("txnAppId", "parse-a")
                .option("txnVersion", 2).save(path);
        spark.range(20, 30).write().format("delta").mode("append").option("txnAppId", "distribute-b")
                .option("txnVersion", 5).save(path);
        spark.range(30, 40).write().format("delta").mode("append").save(path);
        assertTrue(Files.exists(dir.resolve("t/_delta_log/00000000000000000003.crc")), "Delta wrote the checksum");

        DeltaLog.clearCache();
        assertEquals(0, SparkJobs.startedDuring(spark, () -> {
            DeltaMetadata meta = DeltaMetadata.read(spark, path).orElseThrow();
            assertEquals(Optional.of(2L), meta.txnVersion("parse-a"));
            assertEquals(Optional.of(5L), meta.txnVersion("distribute-b"));
            assertEquals(Optional.empty(), meta.txnVersion("parse-b"));
        }), "Spark jobs run to find the transactions");

        Files.delete(dir.resolve("t/_delta_log/00000000000000000003.crc"));
        DeltaLog.clearCache();
        DeltaMetadata meta = DeltaMetadata.read(spark, path).orElseThrow();
        assertEquals(Optional.of(2L), meta.txnVersion("parse-a"));
        assertEquals(Optional.of(5L), meta.txnVersion("distribute-b"));
        assertEquals(Optional.empty(), meta.txnVersion("parse-b"));
    }
}
