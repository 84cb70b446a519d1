package io.sluice.lake;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.tables.DeltaTable;
import io.sluice.SparkJobs;
import io.sluice.SparkTestSession;
import io.sluice.config.Zones;
import io.sluice.storage.HadoopStorage;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ledger of consumed batches, answered by its summary while that names the ledger's newest commit. */
class ConsumedBatchesTest {
    private static final Instant AT = Instant.parse("2026-12-07T10:00:00Z");

    private final SparkSession spark = SparkTestSession.get();
    private final HadoopStorage storage = new HadoopStorage(spark.sessionState().newHadoopConf());

    private LakeLayout lake(Path dir) {
        return new LakeLayout(new Zones(uri(dir, "landing"), uri(dir, "stage"), uri(dir, "trusted"),
                uri(dir, "quarantine"), uri(dir, "gold")), storage);
    }

    private static String uri(Path dir, String zone) {
        return dir.resolve(zone).toUri().toString();
    }

    /** The batches a fresh reader of the ledger finds, and how many Spark jobs it started for them. */
    private record Read(Set<Long> seqs, int jobs) {
    }

    private Read read(LakeLayout lake) throws Exception {
        AtomicReference<Set<Long>> seqs = new AtomicReference<>();
        int jobs = SparkJobs.startedDuring(spark, () -> seqs.set(new ConsumedBatches(spark, lake, "events").seqs()));
        return new Read(seqs.get(), jobs);
    }

    @Test
    void theSummaryAnswersWithoutASparkJobWhileItNamesTheLedgersNewestCommit(@TempDir Path dir) throws Exception {
        LakeLayout lake = lake(dir);
        ConsumedBatches first = new ConsumedBatches(spark, lake, "events");
        assertEquals(Set.of(), first.seqs());
        first.record(List.of(1L, 2L, 3L), "consumed", 3, AT);

        ConsumedBatches second = new ConsumedBatches(spark, lake, "events");
        assertEquals(new Read(Set.of(1L, 2L, 3L), 0), read(lake));
        second.seqs();
        second.record(List.of(5L, 7L, 8L), "consumed", 8, AT);
        assertEquals(new Read(Set.of(1L, 2L, 3L, 5L, 7L, 8L), 0), read(lake));
        assertEquals("[[1,3],[5,5],[7,8]]", summaryRanges(lake));

        // Recorded before: no commit, and the summary still names the newest one.
        ConsumedBatches again = new ConsumedBatches(spark, lake, "events");
        again.seqs();
        again.record(List.of(5L, 7L, 8L), "consumed", 8, AT);
        assertEquals(2, DeltaTable.forPath(spark, lake.consumedBatches("events")).history().count());
        assertEquals(new Read(Set.of(1L, 2L, 3L, 5L, 7L, 8L), 0), read(lake));

        // A recording without a read first commits its rows and leaves the summary behind: the ledger answers.
        new ConsumedBatches(spark, lake, "events").record(List.of(9L), "consumed", 9, AT);
        Read afterBlindRecord = read(lake);
        assertEquals(Set.of(1L, 2L, 3L, 5L, 7L, 8L, 9L), afterBlindRecord.seqs());
        assertTrue(afterBlindRecord.jobs() > 0, "the ledger was read");
    }

    @Test
    void anyOtherCommitToTheLedgerLeavesItToAnswer(@TempDir Path dir) throws Exception {
        LakeLayout lake = lake(dir);
        String ledger = lake.consumedBatches("events");
        ConsumedBatches consumed = new ConsumedBatches(spark, lake, "events");
        consumed.seqs();
        consumed.record(List.of(1L, 2L, 3L, 4L), "consumed", 4, AT);
        assertEquals(0, read(lake).jobs());

        // A row deleted by hand.
        DeltaTable.forPath(spark, ledger).delete(col("batch_seq").equalTo(2L));
        Read afterDelete = read(lake);
        assertEquals(Set.of(1L, 3L, 4L), afterDelete.seqs());
        assertTrue(afterDelete.jobs() > 0, "the ledger was read");

        // The next recording after a read writes the summary again.
        ConsumedBatches next = new ConsumedBatches(spark, lake, "events");
        next.seqs();
        next.record(List.of(6L), "consumed", 6, AT);
        assertEquals(new Read(Set.of(1L, 3L, 4L, 6L), 0), read(lake));

        // The ledger made again at its path: its first commit has the number the summary names, not its id.
        next = new ConsumedBatches(spark, lake, "events");
        next.seqs();
        next.record(List.of(7L), "consumed", 7, AT);
        String summary = Files.readString(Path.of(URI.create(lake.consumedBatchesSummary("events"))));
        deleteLedger(lake);
        StructType schema = new StructType().add("batch_seq", DataTypes.LongType)
                .add("consumed_at", DataTypes.TimestampType);
        for (int commit = 0; commit < 4; commit++) {
            spark.createDataFrame(List.of(RowFactory.create(40L + commit,
                    Timestamp.from(AT))), schema).write().format("delta").mode(SaveMode.Append).save(ledger);
        }
        assertTrue(summary.contains("\"ledgerVersion\":3"), summary);
        Read remade = read(lake);
        assertEquals(Set.of(40L, 41L, 42L, 43L), remade.seqs());
        assertTrue(remade.jobs() > 0, "the ledger was read");
    }

    @Test
    void aSummaryCutShortOrOfAnotherShapeLeavesTheLedgerToAnswer(@TempDir Path dir) throws Exception {
        LakeLayout lake = lake(dir);
        ConsumedBatches consumed = new ConsumedBatches(spark, lake, "events");
        consumed.seqs();
        consumed.record(List.of(1L, 2L), "consumed", 2, AT);
        Path summary = Path.of(URI.create(lake.consumedBatchesSummary("events")));
        String whole = Files.readString(summary);
        assertEquals(0, read(lake).jobs());

        for (String broken : List.of(whole.substring(0, whole.length() / 2), "",
                whole.replace("[[1,2]]", "[[2,1]]"), whole.replace("[[1,2]]", "[[1,\"x\"]]"),
                whole.replace("\"txnId\"", "\"txn\""), whole.replace("[[1,2]]", "[[1,9000000000000]]"))) {
            Files.writeString(summary, broken);
            Read read = read(lake);
            assertEquals(Set.of(1L, 2L), read.seqs(), broken);
            assertTrue(read.jobs() > 0, "the ledger was read for " + broken);
        }
    }

    private static void deleteLedger(LakeLayout lake) throws Exception {
        Path ledger = Path.of(URI.create(lake.consumedBatches("events")));
        try (var files = Files.walk(ledger)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
        DeltaLog.clearCache();
    }

    private String summaryRanges(LakeLayout lake) throws Exception {
        String text = Files.readString(Path.of(URI.create(lake.consumedBatchesSummary("events"))));
        return new ObjectMapper().readTree(text).get("seqs").toString();
    }
}
