package io.sluice.steps;

import io.sluice.config.FieldType;
import io.sluice.config.ParseSettings;
import io.sluice.config.Source;
import io.sluice.lake.BatchManifest;
import io.sluice.lake.BatchManifests;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.JdbcRange;
import io.sluice.lake.LakeLayout;
import io.sluice.lake.SourceRanges;
import io.sluice.lake.ZoneLock;
import io.sluice.report.StepResult;
import io.sluice.report.StepResult.FileCounts;
import io.sluice.report.StepResult.RecordCounts;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;

/**
 * {@code parse} of a dataset whose source is a relational table or query, incrementally by a watermark column (a
 * timestamp, or a number such as a rowversion; {@link JdbcWatermark}): each run reads the rows whose watermark is at or after the committed watermark minus the overlap, and at or
 * before the greatest watermark the source held when the batch was planned. No LIMIT cuts through rows sharing a
 * watermark, and the lower bound is inclusive, so rows sharing the boundary watermark are never lost; rows committed
 * late by a transaction that began inside the overlap are caught. Rows read again collapse in {@code distribute} by
 * key and version.
 *
 * <p>Exactly once, as for files and Kafka: the range is fixed in a {@link JdbcRange} beside the batch manifest
 * before anything is read, the stage append is Delta-idempotent by the batch's sequence and carries the range in its
 * commit metadata, and a run first finishes a batch a dead run left planned. The predicates on the watermark are
 * Column filters with typed literals, which Spark's JDBC source pushes to the database; no value is spliced into
 * SQL text.
 *
 * <p>A change-tracking reader (SQL Server's {@code CHANGETABLE(CHANGES t, @version)} checked against
 * {@code CHANGE_TRACKING_MIN_VALID_VERSION}) fits as another planning strategy: its range is a pair of versions
 * instead of instants, planned and committed the same way.
 */
public final class PullJdbc {
    /** Name of this step in reports and Delta transaction ids: the same as file parsing, so batches share a sequence. */
    public static final String STEP = ParseLanding.STEP;
    private static final DateTimeFormatter BATCH_ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final String UNTIL = "sluice_until";

    private final SparkSession spark;
    private final LakeLayout lake;
    private final String dataset;
    private final Source source;
    private final JdbcWatermark watermark;
    private final JdbcClientSettings client;
    private final ParseSettings settings;
    private final boolean fullRefresh;
    private final JdbcRows rows;
    private final Checkpoints checkpoints;
    private final Clock clock;
    private final Consumer<String> progress;

    /**
     * @param watermarkType the declared type of the source's watermark column: timestamp or long
     * @param fullRefresh read the whole source, whatever the committed watermark
     */
    public PullJdbc(SparkSession spark, LakeLayout lake, String dataset, Source source, FieldType watermarkType,
                    JdbcClientSettings client, ParseSettings settings, boolean fullRefresh, JdbcRows rows, Checkpoints checkpoints, Clock clock,
                    Consumer<String> progress) {
        this.spark = requireNonNull(spark, "spark is null");
        this.lake = requireNonNull(lake, "lake is null");
        this.dataset = requireNonNull(dataset, "dataset is null");
        this.source = requireNonNull(source, "source is null");
        this.watermark = JdbcWatermark.of(requireNonNull(watermarkType, "watermarkType is null"));
        this.client = requireNonNull(client, "client is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.fullRefresh = fullRefresh;
        this.rows = requireNonNull(rows, "rows is null");
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    public StepResult execute() {
        Instant started = clock.instant();
        BatchManifests manifests = new BatchManifests(lake.storage(), lake.zones().stage(), dataset);
        SourceRanges<JdbcRange> ranges = SourceRanges.jdbc(lake.storage(), lake.zones().stage(), dataset);
        List<RecordCounts> done = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try (ZoneLock lock = ZoneLock.acquire(lake.storage(), lake.parseLock(dataset), STEP,
                settings.lockTimeoutDuration(), clock)) {
            for (BatchManifest unfinished : manifests.unfinished()) {
                progress.accept("resuming batch " + unfinished.batchId() + " left by an earlier run");
                done.add(run(unfinished, ranges.get(unfinished.seq()), manifests));
            }
            Optional<String> committed = committed(manifests, ranges);
            Optional<String> greatest = greatestWatermark();
            if (greatest.isEmpty()) {
                notes.add("the source holds no row with a " + source.watermarkColumn() + "; nothing to read");
            } else {
                long seq = manifests.lastSeq() + 1;
                String until = committed.filter(c -> watermark.compare(c, greatest.get()) > 0)
                        .orElse(greatest.get());
                String from = fullRefresh ? null : committed.map(c -> watermark.lowerBound(c, source)).orElse(null);
                JdbcRange range = new JdbcRange(seq, from, until, fullRefresh);
                BatchManifest manifest = manifest(range);
                ranges.save(seq, range);
                manifests.save(manifest);
                checkpoints.reached("jdbc.planned");
                done.add(run(manifest, range, manifests));
            }
        }
        RecordCounts records = done.stream().reduce(RecordCounts.NONE, RecordCounts::plus);
        Map<String, Long> details = new LinkedHashMap<>();
        details.put("batches", (long) done.size());
        long duration = clock.millis() - started.toEpochMilli();
        return new StepResult(STEP, dataset, started, duration, FileCounts.NONE, records, details, notes);
    }

    /** The watermark committed with the last batch: its range's upper bound. Earlier batches are all finished here. */
    private static Optional<String> committed(BatchManifests manifests, SourceRanges<JdbcRange> ranges) {
        return manifests.seqsNewestFirst().map(ranges::find).flatMap(Optional::stream)
                .map(JdbcRange::until).filter(Objects::nonNull).findFirst();
    }

    /** The source's greatest watermark now: the upper bound of the batch, fixed before reading. */
    private Optional<String> greatestWatermark() {
        Dataset<Row> greatest = source().agg(org.apache.spark.sql.functions.max(col(quoted(source.watermarkColumn())))
                .as(UNTIL));
        Row row = greatest.first();
        if (row.isNullAt(0)) {
            return Optional.empty();
        }
        return Optional.of(watermark.text(row.get(0)));
    }

    private RecordCounts run(BatchManifest manifest, JdbcRange range, BatchManifests manifests) {
        RecordCounts counts = RecordCounts.NONE;
        if (manifest.status() == BatchManifest.Status.PLANNED) {
            Dataset<Row> read = source();
            Dataset<Row> wanted = read.where(col(quoted(source.watermarkColumn()))
                    .leq(watermark.literal(range.until())));
            if (range.from() != null) {
                wanted = wanted.where(col(quoted(source.watermarkColumn())).geq(watermark.literal(range.from())));
            }
            progress.accept("batch " + manifest.batchId() + ": rows with " + source.watermarkColumn() + " "
                    + (range.from() == null ? "" : "from " + range.from() + " ") + "up to " + range.until());
            counts = rows.commit(wanted, manifest, SourceRanges.toJson(range), progress);
        }
        manifests.save(manifest.withStatus(BatchManifest.Status.DONE));
        checkpoints.reached("jdbc.committed");
        return counts;
    }

    /** The table or query, with Spark's JDBC options; filters on it are pushed to the database. */
    private Dataset<Row> source() {
        DataFrameReader reader = spark.read().format("jdbc").options(client.sparkOptions())
                .option("dbtable", source.table() != null ? source.table() : "(" + source.query() + ") sluice_source")
                .option("fetchsize", Integer.toString(source.fetchSize()));
        if (source.partitionColumn() != null) {
            reader = reader.option("partitionColumn", source.partitionColumn())
                    .option("lowerBound", source.lowerBound())
                    .option("upperBound", source.upperBound())
                    .option("numPartitions", Integer.toString(source.numPartitions()));
        } else if (source.numPartitions() != null) {
            reader = reader.option("numPartitions", Integer.toString(source.numPartitions()));
        }
        return reader.load();
    }

    private static String quoted(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    private BatchManifest manifest(JdbcRange range) {
        Instant now = clock.instant();
        String batchId = BATCH_ID.format(now) + "-" + UUID.randomUUID().toString().substring(0, 8);
        return new BatchManifest(range.seq(), batchId, now.toString(), BatchManifest.Status.PLANNED,
                List.of(new BatchManifest.ManifestFile(JdbcRows.sourceName(source), 0)));
    }
}
