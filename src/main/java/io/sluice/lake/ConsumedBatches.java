package io.sluice.lake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.storage.Storage;
import io.sluice.storage.StorageException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static java.util.Objects.requireNonNull;

/**
 * The stage batches a trusted table has consumed: a small Delta table (the ledger), written in the same idempotent
 * way, and a summary of its batches as of one of its commits. The ledger gains a row per batch and a file per run;
 * reading it means reconstructing its state and opening each file (five Spark jobs), every run.
 * The summary answers instead while the ledger's newest commit is still the one it names, by its version and Delta's
 * transaction id (the log's listing and that commit's entry, read through Delta's log). Any other commit to the ledger
 * ({@code maintain}'s compaction, a row deleted by hand, the ledger made again at its path), a summary not written
 * after a recording (a run killed in between) or a summary that does not parse leaves the ledger to be read as a
 * table; the next recording writes the summary again.
 */
public final class ConsumedBatches {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** More batches than years of runs every minute: a summary claiming more is not this class's. */
    private static final long MOST_SEQS = 100_000_000L;

    private final SparkSession spark;
    private final Storage storage;
    private final String path;
    private final String summary;
    /** What {@link #seqs} found, with what {@link #record} added since; null before {@link #seqs}. */
    private Set<Long> known;

    /** The ledger of {@code table}, the trusted table at {@code lake}'s {@link LakeLayout#trustedTable}. */
    public ConsumedBatches(SparkSession spark, LakeLayout lake, String table) {
        this.spark = requireNonNull(spark, "spark is null");
        this.storage = lake.storage();
        this.path = lake.consumedBatches(table);
        this.summary = lake.consumedBatchesSummary(table);
    }

    /** The batches consumed: from the summary when it is current, else from the ledger. */
    public Set<Long> seqs() {
        Set<Long> seqs = summarized().orElseGet(this::ledgerSeqs);
        known = new TreeSet<>(seqs);
        return Collections.unmodifiableSet(seqs);
    }

    /**
     * Records {@code seqs} as consumed; once per ({@code appId}, {@code version}). After {@link #seqs}, writes the
     * summary when the ledger's newest commit is this recording.
     */
    public void record(List<Long> seqs, String appId, long version, Instant at) {
        List<Row> rows = new ArrayList<>();
        for (long seq : seqs) {
            rows.add(RowFactory.create(seq, Timestamp.from(at)));
        }
        var schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("batch_seq", DataType.fromDDL("bigint"), false),
                DataTypes.createStructField("consumed_at", DataType.fromDDL("timestamp"), false)));
        // One file a run: the rows are a few, and the local rows would otherwise be split by the session's cores.
        DeltaWrites.appendOnce(spark.createDataFrame(rows, schema).coalesce(1), path, List.of(), appId, version);
        if (known != null) {
            known.addAll(seqs);
            summarize(appId, version);
        }
    }

    private Set<Long> ledgerSeqs() {
        Set<Long> seqs = new TreeSet<>();
        if (DeltaWrites.exists(spark, path)) {
            // A row per batch recorded: collected as they are, the set drops a batch recorded twice without the
            // shuffle a distinct would add.
            spark.read().format("delta").load(path).select("batch_seq").collectAsList()
                    .forEach(row -> seqs.add(row.getLong(0)));
        }
        return seqs;
    }

    /** The summary's batches when it names the ledger's newest commit. */
    private Optional<Set<Long>> summarized() {
        if (!DeltaFiles.applies()) {
            // Databricks' Delta Lake is its own build: its ledger is read as a table.
            return Optional.empty();
        }
        Optional<JsonNode> read = storage.read(summary).flatMap(ConsumedBatches::parse);
        if (read.isEmpty()) {
            return Optional.empty();
        }
        JsonNode node = read.get();
        JsonNode ledgerVersion = node.path("ledgerVersion");
        JsonNode txnId = node.path("txnId");
        JsonNode ranges = node.path("seqs");
        if (!ledgerVersion.canConvertToLong() || !txnId.isTextual() || !ranges.isArray()) {
            return Optional.empty();
        }
        Optional<DeltaMetadata.Commit> newest = DeltaMetadata.read(spark, path).map(DeltaMetadata::latestCommit);
        if (newest.isEmpty() || newest.get().version() != ledgerVersion.asLong()
                || !newest.get().txnId().equals(Optional.of(txnId.asText()))) {
            return Optional.empty();
        }
        Set<Long> seqs = new TreeSet<>();
        long count = 0;
        for (JsonNode range : ranges) {
            if (!range.isArray() || range.size() != 2 || !range.get(0).canConvertToLong()
                    || !range.get(1).canConvertToLong()) {
                return Optional.empty();
            }
            long from = range.get(0).asLong();
            long to = range.get(1).asLong();
            count += to - from + 1;
            if (to < from || count > MOST_SEQS) {
                return Optional.empty();
            }
            for (long seq = from; seq <= to; seq++) {
                seqs.add(seq);
            }
        }
        return Optional.of(seqs);
    }

    /** Writes the summary of {@link #known} when the ledger's newest commit recorded ({@code appId}, {@code version}). */
    private void summarize(String appId, long version) {
        if (!DeltaFiles.applies()) {
            return;
        }
        Optional<DeltaMetadata.Commit> newest = DeltaMetadata.read(spark, path).map(DeltaMetadata::latestCommit);
        if (newest.isEmpty() || newest.get().txnId().isEmpty()
                || !Long.valueOf(version).equals(newest.get().txns().get(appId))) {
            // Recorded before (the ledger read already held these batches), or another commit came after it.
            return;
        }
        ObjectNode node = JSON.createObjectNode();
        node.put("ledgerVersion", newest.get().version());
        node.put("txnId", newest.get().txnId().get());
        ArrayNode ranges = node.putArray("seqs");
        long from = -1;
        long to = -1;
        for (long seq : known) {
            if (from >= 0 && seq == to + 1) {
                to = seq;
                continue;
            }
            if (from >= 0) {
                ranges.addArray().add(from).add(to);
            }
            from = seq;
            to = seq;
        }
        if (from >= 0) {
            ranges.addArray().add(from).add(to);
        }
        try {
            storage.write(summary, node.toString());
        } catch (StorageException e) {
            // The recording stands; the summary left behind names an earlier commit, so the next read asks the ledger.
        }
    }

    private static Optional<JsonNode> parse(String text) {
        if (text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readTree(text));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }
}
