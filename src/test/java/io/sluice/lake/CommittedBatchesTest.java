package io.sluice.lake;

import io.sluice.SparkJobs;
import io.sluice.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What parse counted of stage batches, read back from the batches' commits in the stage table's log. */
class CommittedBatchesTest {
    private static final String APP_ID = "sluice-parse-events";
    private static final StructType SCHEMA = new StructType().add("id", DataTypes.StringType)
            .add("_batch_seq", DataTypes.LongType);

    private final SparkSession spark = SparkTestSession.get();

    private Dataset<Row> rows(long seq, String... ids) {
        return spark.createDataFrame(List.of(ids).stream().map(id -> RowFactory.create(id, seq)).toList(), SCHEMA);
    }

    private Optional<CommittedBatches.ParsedCounts> logged(String table, Long... seqs) {
        return CommittedBatches.logged(spark, table, APP_ID, List.of(seqs));
    }

    private static Optional<CommittedBatches.ParsedCounts> counts(long records, long quarantined) {
        return Optional.of(new CommittedBatches.ParsedCounts(OptionalLong.of(records), quarantined));
    }

    @Test
    void theBatchesCommitsAnswerWithoutASparkJobAndOnlyWhenEachRecordsItsCounts(@TempDir Path dir) throws Exception {
        String table = dir.resolve("stage").toUri().toString();
        assertEquals(Optional.empty(), logged(table, 1L), "no table yet");
        DeltaWrites.appendOnce(rows(1, "a", "b'c"), table, List.of(), APP_ID, 1,
                CommittedBatches.userMetadata(1, 2, 5));
        DeltaWrites.appendOnce(rows(2, "d\\e", "f", "g"), table, List.of(), APP_ID, 2,
                CommittedBatches.userMetadata(2, 3, 0));
        // A batch committed by a release (or a source) that recorded nothing.
        DeltaWrites.appendOnce(rows(3, "h"), table, List.of(), APP_ID, 3);
        // What is not this form, or names another batch, or another writer's commit, counts for nothing.
        DeltaWrites.appendOnce(rows(4, "i"), table, List.of(), APP_ID, 4, "{\"sluiceBatch\":4,\"stageRows\":-1,"
                + "\"quarantined\":0}");
        DeltaWrites.appendOnce(rows(5, "j"), table, List.of(), APP_ID, 5, CommittedBatches.userMetadata(6, 1, 0));
        DeltaWrites.appendOnce(rows(6, "k"), table, List.of(), APP_ID, 6, "not json");
        DeltaWrites.appendOnce(rows(7, "l"), table, List.of(), "another-writer", 7,
                CommittedBatches.userMetadata(7, 1, 0));
        DeltaWrites.appendOnce(rows(8, "m"), table, List.of(), APP_ID, 8,
                "{\"sluiceBatch\":8,\"stageRows\":1.5,\"quarantined\":0}");

        DeltaLog.clearCache();
        AtomicReference<Optional<CommittedBatches.ParsedCounts>> read = new AtomicReference<>();
        int jobs = SparkJobs.startedDuring(spark, () -> read.set(logged(table, 1L, 2L)));
        assertEquals(counts(5, 5), read.get());
        assertEquals(0, jobs, "the log's commits are read without a Spark job");
        assertEquals(counts(2, 5), logged(table, 1L));
        for (long unknown : List.of(3L, 4L, 5L, 6L, 7L, 8L, 9L)) {
            assertEquals(Optional.empty(), logged(table, 2L, unknown), "batch " + unknown);
        }
    }

    @Test
    void aBatchCommittedFurtherBackThanTheCommitsReadIsLeftToTheLedger(@TempDir Path dir) {
        String table = dir.resolve("stage").toUri().toString();
        DeltaWrites.appendOnce(rows(1, "a"), table, List.of(), APP_ID, 1, CommittedBatches.userMetadata(1, 1, 0));
        // Thirteen later commits of one batch each: batch 1 is further back than the twelve commits two batches read.
        for (long seq : LongStream.rangeClosed(2, 14).toArray()) {
            DeltaWrites.appendOnce(rows(seq, "x" + seq), table, List.of(), APP_ID, seq,
                    CommittedBatches.userMetadata(seq, 1, 1));
        }
        assertEquals(counts(2, 2), logged(table, 10L, 11L));
        assertEquals(Optional.empty(), logged(table, 1L, 11L));
        assertEquals(counts(13, 13), logged(table, LongStream.rangeClosed(2, 14).boxed().toArray(Long[]::new)));
    }
}
