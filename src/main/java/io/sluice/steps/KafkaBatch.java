package io.sluice.steps;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.config.Source;
import io.sluice.ingest.RecordTyper;
import io.sluice.lake.BatchManifest;
import io.sluice.lake.BatchManifests;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.DeltaWrites;
import io.sluice.lake.IngestedFiles;
import io.sluice.lake.KafkaRange;
import io.sluice.lake.KafkaRange.PartitionRange;
import io.sluice.lake.SourceRanges;
import io.sluice.lake.LakeLayout;
import io.sluice.lake.Quarantine;
import io.sluice.report.StepResult.RecordCounts;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/** One planned Kafka batch, from its range to the commits; every commit is idempotent, keyed by the batch's sequence. */
final class KafkaBatch {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SparkSession spark;
    private final LakeLayout lake;
    private final String dataset;
    private final Source source;
    private final KafkaClientSettings client;
    private final RecordTyper typer;
    private final BatchManifest manifest;
    private final KafkaRange range;
    private final Double maxBadRatio;
    private final Checkpoints checkpoints;
    private final Consumer<String> progress;

    KafkaBatch(SparkSession spark, LakeLayout lake, String dataset, Source source, KafkaClientSettings client,
               RecordTyper typer, BatchManifest manifest, KafkaRange range, Double maxBadRatio,
               Checkpoints checkpoints, Consumer<String> progress) {
        this.spark = spark;
        this.lake = lake;
        this.dataset = dataset;
        this.source = source;
        this.client = client;
        this.typer = typer;
        this.manifest = manifest;
        this.range = range;
        this.maxBadRatio = maxBadRatio;
        this.checkpoints = checkpoints;
        this.progress = progress;
    }

    /**
     * @param expiredSkipped records lost to retention that this batch skipped
     * @param partitionsRead partitions with records in the batch
     */
    record Outcome(RecordCounts records, long expiredSkipped, long partitionsRead, List<String> notes) {
    }

    Outcome run(BatchManifests manifests) {
        RecordCounts records = RecordCounts.NONE;
        List<String> notes = new ArrayList<>();
        range.expired().forEach(g -> notes.add(g.topic() + "/" + g.partition() + ": offsets " + g.committed() + ".."
                + (g.earliest() - 1) + " (" + g.lost() + " records) were deleted by retention before they were read;"
                + " skipped (onExpiredOffsets: skip)"));
        if (manifest.status() == BatchManifest.Status.PLANNED) {
            Dataset<Row> typed = read().persist(StorageLevel.MEMORY_AND_DISK_SER());
            try {
                records = commit(typed);
            } finally {
                typed.unpersist();
            }
        }
        manifests.save(manifest.withStatus(BatchManifest.Status.DONE));
        checkpoints.reached("kafka.committed");
        long expired = range.expired().stream().mapToLong(KafkaRange.ExpiredGap::lost).sum();
        return new Outcome(records, expired, range.nonEmpty().size(), notes);
    }

    /** The batch's records, typed; exactly the planned offsets. */
    private Dataset<Row> read() {
        List<PartitionRange> parts = range.nonEmpty();
        if (parts.isEmpty()) {
            return spark.createDataFrame(List.of(), KafkaRecords.schema(typer));
        }
        DataFrameReader reader = spark.read().format("kafka").options(client.sparkOptions())
                .option("assign", assign(parts))
                .option("startingOffsets", offsets(parts, true))
                .option("endingOffsets", offsets(parts, false))
                // Retention that deletes planned offsets before they are read must not pass unnoticed.
                .option("failOnDataLoss", Boolean.toString(source.onExpiredOffsets() == Source.OnExpiredOffsets.FAIL));
        Dataset<Row> raw = reader.load().select(col("topic"), col("partition"), col("offset"), col("timestamp"),
                col("key").cast(DataTypes.StringType), col("value").cast(DataTypes.StringType));
        return raw.mapPartitions(new KafkaRecords(typer), KafkaRecords.encoder(typer));
    }

    private RecordCounts commit(Dataset<Row> typed) {
        Map<String, long[]> perPartition = countsBySource(typed);
        long valid = perPartition.values().stream().mapToLong(c -> c[0]).sum();
        long bad = perPartition.values().stream().mapToLong(c -> c[1]).sum();
        if (maxBadRatio != null && valid + bad > 0 && (double) bad / (valid + bad) > maxBadRatio) {
            throw new BadInputException(String.format("batch %s: %d of %d Kafka records (%.1f%%) are bad, above"
                            + " --max-bad-ratio %.3f; nothing was committed and the offsets stay where they were."
                            + " See the reasons with --max-bad-ratio off, or fix the producer, then run again",
                    manifest.batchId(), bad, valid + bad, 100.0 * bad / (valid + bad), maxBadRatio));
        }
        Instant ingestedAt = Instant.parse(manifest.startedAt());
        Dataset<Row> stageRows = new StageRows(spark, typer).toStage(typed.filter(col("_error").isNull()),
                StageRows.lineage(manifest, ingestedAt, KafkaRecords.KAFKA_LINEAGE));
        DeltaWrites.appendOnce(stageRows, lake.stageTable(dataset), StageCommit.STAGE_PARTITIONS,
                LakeLayout.txnAppId(PullKafka.STEP, dataset), manifest.seq(), SourceRanges.toJson(range));
        checkpoints.reached("kafka.stageCommitted");
        progress.accept("stage: " + valid + " records committed to " + lake.stageTable(dataset));
        if (bad > 0) {
            Quarantine.append(typed.filter(col("_error").isNotNull()), lake, dataset, PullKafka.STEP,
                    manifest.seq(), manifest.batchId(), ingestedAt);
            progress.accept("quarantine: " + bad + " records to " + lake.quarantineTable(dataset));
        }
        checkpoints.reached("kafka.quarantineCommitted");
        appendLedger(perPartition, ingestedAt);
        return new RecordCounts(valid + bad, valid, bad, 0, valid);
    }
    /** Valid and bad records by {@code kafka://topic/partition}: the only thing brought to the driver. */
    private static Map<String, long[]> countsBySource(Dataset<Row> typed) {
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (Row row : typed.groupBy("_source_file")
                .agg(sum(when(col("_error").isNull(), 1L).otherwise(0L)).as("valid"),
                        sum(when(col("_error").isNotNull(), 1L).otherwise(0L)).as("bad"))
                .orderBy("_source_file").collectAsList()) {
            counts.put(row.getString(0), new long[] {row.getLong(1), row.getLong(2)});
        }
        return counts;
    }

    /**
     * One row per partition read in the ledger {@code parse} keeps of what it ingested, so {@code distribute}
     * reports what was quarantined as it does for files.
     */
    private void appendLedger(Map<String, long[]> perPartition, Instant at) {
        List<IngestedFiles.Entry> entries = new ArrayList<>();
        for (PartitionRange p : range.nonEmpty()) {
            long[] counts = perPartition.getOrDefault(p.source(), new long[2]);
            entries.add(new IngestedFiles.Entry(p.source(), p.source() + "@" + p.from() + "-" + p.until(), counts[0],
                    counts[1], null));
        }
        IngestedFiles.append(spark, lake, dataset, PullKafka.STEP, manifest, entries, at);
    }
    /** {@code {"topic":[0,1]}}: exactly the partitions of the range. */
    private static String assign(List<PartitionRange> parts) {
        ObjectNode json = JSON.createObjectNode();
        for (PartitionRange p : parts) {
            ArrayNode list = json.has(p.topic()) ? (ArrayNode) json.get(p.topic()) : json.putArray(p.topic());
            list.add(p.partition());
        }
        return json.toString();
    }

    /** {@code {"topic":{"0":offset}}}, the starting or the (exclusive) ending offsets. */
    private static String offsets(List<PartitionRange> parts, boolean starting) {
        ObjectNode json = JSON.createObjectNode();
        for (PartitionRange p : parts) {
            ObjectNode topic = json.has(p.topic()) ? (ObjectNode) json.get(p.topic()) : json.putObject(p.topic());
            topic.put(Integer.toString(p.partition()), starting ? p.from() : p.until());
        }
        return json.toString();
    }
}
