package io.sluice.steps;

import io.sluice.config.ParseSettings;
import io.sluice.config.Source;
import io.sluice.ingest.RecordTyper;
import io.sluice.lake.BatchManifest;
import io.sluice.lake.BatchManifests;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.KafkaRange;
import io.sluice.lake.KafkaRange.ExpiredGap;
import io.sluice.lake.KafkaRange.PartitionRange;
import io.sluice.lake.SourceRanges;
import io.sluice.lake.LakeLayout;
import io.sluice.lake.ZoneLock;
import io.sluice.report.StepResult;
import io.sluice.report.StepResult.FileCounts;
import io.sluice.report.StepResult.RecordCounts;
import org.apache.kafka.common.TopicPartition;
import org.apache.spark.sql.SparkSession;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * {@code parse} of a dataset whose source is Kafka: the next offsets of its topics become typed rows in the stage
 * table and bad records rows in the quarantine table, in batches that {@code distribute} consumes like any other.
 *
 * <p>Exactly once: each batch's offsets are fixed before anything is read, in a {@link KafkaRange} beside the
 * batch's manifest, starting where the previous batch ended; the stage rows are a Delta idempotent append keyed by
 * the batch's sequence number that also carries the range in its commit metadata. A run first finishes a batch a
 * dead run left planned, reading the same offsets again; a repeated commit adds nothing. Offsets deleted by
 * retention before they were read fail the run, naming them, unless the source says to skip them.
 */
public final class PullKafka {
    /** Name of this step in reports and Delta transaction ids: the same as file parsing, so batches share a sequence. */
    public static final String STEP = ParseLanding.STEP;
    private static final DateTimeFormatter BATCH_ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final SparkSession spark;
    private final LakeLayout lake;
    private final String dataset;
    private final Source source;
    private final KafkaClientSettings client;
    private final ParseSettings settings;
    private final long maxRecords;
    private final RecordTyper typer;
    private final Checkpoints checkpoints;
    private final Clock clock;
    private final Duration backoff;
    private final Consumer<String> progress;

    /**
     * @param maxRecords at most this many records per batch
     * @param backoff first wait before retrying a broker that does not answer; doubled at each attempt
     */
    public PullKafka(SparkSession spark, LakeLayout lake, String dataset, Source source, KafkaClientSettings client,
                     ParseSettings settings, long maxRecords, RecordTyper typer, Checkpoints checkpoints, Clock clock,
                     Duration backoff, Consumer<String> progress) {
        this.spark = requireNonNull(spark, "spark is null");
        this.lake = requireNonNull(lake, "lake is null");
        this.dataset = requireNonNull(dataset, "dataset is null");
        this.source = requireNonNull(source, "source is null");
        this.client = requireNonNull(client, "client is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.maxRecords = maxRecords;
        this.typer = requireNonNull(typer, "typer is null");
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.backoff = requireNonNull(backoff, "backoff is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    public StepResult execute() {
        Instant started = clock.instant();
        BatchManifests manifests = new BatchManifests(lake.storage(), lake.zones().stage(), dataset);
        SourceRanges<KafkaRange> ranges = SourceRanges.kafka(lake.storage(), lake.zones().stage(), dataset);
        List<KafkaBatch.Outcome> outcomes = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int maxBatches = settings.maxBatches() == null ? Integer.MAX_VALUE : settings.maxBatches();
        try (ZoneLock lock = ZoneLock.acquire(lake.storage(), lake.parseLock(dataset), STEP,
                settings.lockTimeoutDuration(), clock)) {
            for (BatchManifest unfinished : manifests.unfinished()) {
                KafkaRange range = ranges.get(unfinished.seq());
                progress.accept("resuming batch " + unfinished.batchId() + " (" + range.size()
                        + " offsets) left by an earlier run");
                outcomes.add(batch(unfinished, range).run(manifests));
            }
            Map<TopicPartition, KafkaOffsets.Bounds> bounds =
                    KafkaOffsets.bounds(client, source.topics(), backoff, progress);
            Map<TopicPartition, Long> committed = committed(manifests, ranges);
            List<ExpiredGap> gaps = expired(bounds, committed);
            while (outcomes.size() < maxBatches) {
                long seq = manifests.lastSeq() + 1;
                KafkaRange range = plan(seq, bounds, committed, gaps);
                if (range.size() == 0 && range.expired().isEmpty()) {
                    break;
                }
                BatchManifest manifest = manifest(range);
                ranges.save(seq, range);
                manifests.save(manifest);
                checkpoints.reached("kafka.planned");
                outcomes.add(batch(manifest, range).run(manifests));
                range.partitions().forEach(p -> committed.put(new TopicPartition(p.topic(), p.partition()), p.until()));
                gaps = List.of();
            }
            long behind = bounds.entrySet().stream()
                    .mapToLong(e -> e.getValue().latest() - committed.getOrDefault(e.getKey(), e.getValue().latest()))
                    .sum();
            if (behind > 0) {
                notes.add("stopped after " + outcomes.size() + " batches (--max-batches " + maxBatches + "); "
                        + behind + " offsets stay in Kafka for the next run");
            }
        }
        return result(started, outcomes, notes);
    }

    private KafkaBatch batch(BatchManifest manifest, KafkaRange range) {
        return new KafkaBatch(spark, lake, dataset, source, client, typer, manifest, range, settings.maxBadRatio(),
                checkpoints, progress);
    }

    /**
     * Where each partition stands: the end of the last batch's range. Every earlier batch is finished when this
     * runs, so the last range is the one committed with the stage rows.
     */
    private static Map<TopicPartition, Long> committed(BatchManifests manifests, SourceRanges<KafkaRange> ranges) {
        Map<TopicPartition, Long> committed = new HashMap<>();
        manifests.seqsNewestFirst().map(ranges::find).flatMap(Optional::stream).findFirst().ifPresent(last ->
                last.partitions().forEach(p -> committed.put(new TopicPartition(p.topic(), p.partition()), p.until())));
        return committed;
    }

    /** Partitions whose records after the committed offset were deleted; fails unless the source skips them. */
    private List<ExpiredGap> expired(Map<TopicPartition, KafkaOffsets.Bounds> bounds,
                                     Map<TopicPartition, Long> committed) {
        List<ExpiredGap> gaps = new ArrayList<>();
        List<String> backwards = new ArrayList<>();
        for (Map.Entry<TopicPartition, KafkaOffsets.Bounds> entry : bounds.entrySet()) {
            Long at = committed.get(entry.getKey());
            if (at == null) {
                continue;
            }
            if (entry.getValue().earliest() > at) {
                gaps.add(new ExpiredGap(entry.getKey().topic(), entry.getKey().partition(), at,
                        entry.getValue().earliest()));
            } else if (entry.getValue().latest() < at) {
                backwards.add(entry.getKey() + " (committed " + at + ", latest " + entry.getValue().latest() + ")");
            }
        }
        if (!backwards.isEmpty()) {
            throw new ExpiredOffsetsException("dataset " + dataset + ": the committed offsets are beyond what Kafka"
                    + " holds for " + String.join(", ", backwards) + "; the topic was deleted and created again."
                    + " Nothing was read. Check with the topic's owners, then start the dataset over in a new stage"
                    + " zone, or remove the stage batches of this topic");
        }
        if (!gaps.isEmpty() && source.onExpiredOffsets() == Source.OnExpiredOffsets.FAIL) {
            String lost = gaps.stream().map(g -> g.topic() + "/" + g.partition() + " offsets " + g.committed()
                    + ".." + (g.earliest() - 1) + " (" + g.lost() + " records)").collect(Collectors.joining(", "));
            throw new ExpiredOffsetsException("dataset " + dataset + ": records after the committed offsets were"
                    + " deleted by retention before they were read: " + lost + ". Nothing was read. To go on from"
                    + " the earliest offsets still there and count the loss, set onExpiredOffsets: skip in the"
                    + " dataset's source; to avoid it, run parse more often than the topic's retention");
        }
        return gaps;
    }

    /** The next range: from the committed offsets (a new partition from its start) to the latest, capped. */
    private KafkaRange plan(long seq, Map<TopicPartition, KafkaOffsets.Bounds> bounds,
                            Map<TopicPartition, Long> committed, List<ExpiredGap> gaps) {
        Map<TopicPartition, Long> from = new LinkedHashMap<>();
        Map<TopicPartition, Long> available = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, KafkaOffsets.Bounds> entry : bounds.entrySet()) {
            KafkaOffsets.Bounds b = entry.getValue();
            long start = Math.max(committed.getOrDefault(entry.getKey(), b.earliest()), b.earliest());
            from.put(entry.getKey(), start);
            available.put(entry.getKey(), Math.max(0, b.latest() - start));
        }
        Map<TopicPartition, Long> take = share(available, maxRecords);
        List<PartitionRange> partitions = new ArrayList<>();
        from.forEach((tp, start) -> partitions.add(
                new PartitionRange(tp.topic(), tp.partition(), start, start + take.get(tp))));
        return new KafkaRange(seq, partitions, gaps);
    }

    /** Splits {@code cap} records over the partitions, evenly where they have enough, never more than they hold. */
    static Map<TopicPartition, Long> share(Map<TopicPartition, Long> available, long cap) {
        Map<TopicPartition, Long> take = new LinkedHashMap<>();
        available.keySet().forEach(tp -> take.put(tp, 0L));
        long remaining = cap;
        while (remaining > 0) {
            List<TopicPartition> open = available.keySet().stream()
                    .filter(tp -> take.get(tp) < available.get(tp)).toList();
            if (open.isEmpty()) {
                break;
            }
            long each = Math.max(1, remaining / open.size());
            for (TopicPartition tp : open) {
                long more = Math.min(Math.min(each, available.get(tp) - take.get(tp)), remaining);
                take.put(tp, take.get(tp) + more);
                remaining -= more;
                if (remaining == 0) {
                    break;
                }
            }
        }
        return take;
    }

    private BatchManifest manifest(KafkaRange range) {
        Instant now = clock.instant();
        String batchId = BATCH_ID.format(now) + "-" + UUID.randomUUID().toString().substring(0, 8);
        List<BatchManifest.ManifestFile> entries = range.nonEmpty().stream()
                .map(p -> new BatchManifest.ManifestFile(p.source(), p.size())).toList();
        progress.accept("batch " + batchId + ": " + range.size() + " offsets of " + entries.size() + " partitions"
                + (range.expired().isEmpty() ? "" : ", " + range.expired().stream().mapToLong(ExpiredGap::lost).sum()
                + " records lost to retention skipped"));
        return new BatchManifest(range.seq(), batchId, now.toString(), BatchManifest.Status.PLANNED, entries);
    }

    private StepResult result(Instant started, List<KafkaBatch.Outcome> outcomes, List<String> notes) {
        RecordCounts records = RecordCounts.NONE;
        long expired = 0;
        long partitions = 0;
        for (KafkaBatch.Outcome outcome : outcomes) {
            records = records.plus(outcome.records());
            expired += outcome.expiredSkipped();
            partitions += outcome.partitionsRead();
            notes.addAll(outcome.notes());
        }
        Map<String, Long> details = new LinkedHashMap<>();
        details.put("batches", (long) outcomes.size());
        details.put("partitionsRead", partitions);
        details.put("expiredOffsetsSkipped", expired);
        long duration = clock.millis() - started.toEpochMilli();
        return new StepResult(STEP, dataset, started, duration, FileCounts.NONE, records, details, notes);
    }
}
