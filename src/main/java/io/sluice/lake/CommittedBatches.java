package io.sluice.lake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.storage.HadoopStorage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.Snapshot;
import org.apache.spark.sql.delta.actions.AddFile;
import scala.Option;
import scala.collection.JavaConverters;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/**
 * The stage batches one command committed, with the files each commit added: {@code run}'s distribute reads the
 * batches its parse committed a moment before from those files, as Delta's own commands read the files they rewrite
 * ({@code DeltaLog.createDataFrame}), instead of planning a scan of the stage table — which reconstructs the table's
 * state and reads every file's statistics to skip the other batches' files. The files are those of the table's
 * commit, read with the table's schema; a batch this command did not commit (resumed, committed another way, parsed by
 * an earlier run) leaves every batch to the ordinary read.
 */
public final class CommittedBatches {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Above this many batches, {@link #logged} leaves the counts to the ledger of ingested files. */
    static final int MAX_LOGGED_BATCHES = 100;
    /** Commits of the stage table {@link #logged} reads per batch asked for, and besides them. */
    private static final int COMMITS_PER_BATCH = 2;
    private static final int COMMITS_BESIDES = 8;

    private final Map<String, Map<Long, Batch>> tables = new HashMap<>();

    /**
     * @param commit what the commit added
     * @param records rows the commit added
     * @param quarantined records of the batch that went to quarantine
     */
    private record Batch(DeltaFiles.Commit commit, long records, long quarantined) {
    }

    /**
     * Records that {@code commit} added batch {@code seq}, {@code records} rows, to the stage table at {@code table}.
     */
    public synchronized void record(String table, long seq, DeltaFiles.Commit commit, long records, long quarantined) {
        requireNonNull(commit, "commit is null");
        tables.computeIfAbsent(table, t -> new HashMap<>()).put(seq, new Batch(commit, records, quarantined));
    }

    /**
     * The rows of batches {@code seqs} of the stage table at {@code table}, from the files their commits added; empty
     * unless this command committed every one of them to the table as it is now.
     */
    public synchronized Optional<Dataset<Row>> rows(SparkSession spark, String table, Collection<Long> seqs) {
        Optional<List<Batch>> batches = batches(table, seqs);
        if (batches.isEmpty()) {
            return Optional.empty();
        }
        DeltaLog log = DeltaLog.forTable(spark, HadoopStorage.path(table));
        Snapshot snapshot = log.update(false, Option.empty(), Option.empty());
        List<AddFile> files = new ArrayList<>();
        for (Batch batch : batches.get()) {
            // A table made again at the path has another id.
            if (!batch.commit().tableId().equals(snapshot.metadata().id())
                    || batch.commit().version() > snapshot.version()) {
                return Optional.empty();
            }
            files.addAll(batch.commit().files());
        }
        return Optional.of(log.createDataFrame(snapshot, JavaConverters.asScalaBuffer(files).toSeq(), false,
                Option.empty()));
    }

    /**
     * Rows batches {@code seqs} added to the stage table and records of theirs that went to quarantine; empty unless
     * this command committed every one.
     */
    public synchronized Optional<ParsedCounts> counts(String table, Collection<Long> seqs) {
        return batches(table, seqs).map(list -> new ParsedCounts(OptionalLong.of(list.stream()
                .mapToLong(Batch::records).sum()), list.stream().mapToLong(Batch::quarantined).sum()));
    }

    /**
     * What a stage batch's commit records of itself (Delta's {@code commitInfo.userMetadata}, which {@code DESCRIBE
     * HISTORY} shows): the batch, the rows the commit adds and the batch's records that go to quarantine, as JSON.
     */
    public static String userMetadata(long seq, long records, long quarantined) {
        ObjectNode node = JSON.createObjectNode();
        node.put("sluiceBatch", seq);
        node.put("stageRows", records);
        node.put("quarantined", quarantined);
        return node.toString();
    }

    /**
     * What parse counted of batches {@code seqs} of the stage table at {@code table}, as their commits record it
     * ({@link #userMetadata}): for a {@code distribute} that did not commit them itself, read from the log's newest
     * commits ({@value #COMMITS_PER_BATCH} a batch and {@value #COMMITS_BESIDES} more) with no Spark job, instead of
     * the ledger of ingested files — a Delta table whose state and files a read reconstructs and scans. Empty when one
     * batch's commit is not among those commits (committed long before, or by an older release, or by a source that
     * records nothing), records nothing of this form or another batch, when there are more than
     * {@value #MAX_LOGGED_BATCHES} batches, or on Databricks (whose Delta Lake is its own build): the ledger answers
     * then.
     *
     * @param appId the transaction app id of the stage commits
     */
    public static Optional<ParsedCounts> logged(SparkSession spark, String table, String appId,
                                                Collection<Long> seqs) {
        if (seqs.isEmpty() || seqs.size() > MAX_LOGGED_BATCHES || !DeltaFiles.applies()) {
            return Optional.empty();
        }
        try {
            return DeltaMetadata.read(spark, table).flatMap(log -> logged(log, appId, seqs));
        } catch (LinkageError e) {
            // Another Delta build's classes: the ledger answers.
            return Optional.empty();
        }
    }

    private static Optional<ParsedCounts> logged(DeltaMetadata log, String appId, Collection<Long> seqs) {
        Map<Long, Logged> found = new HashMap<>();
        long from = log.version() - ((long) COMMITS_PER_BATCH * seqs.size() + COMMITS_BESIDES) + 1;
        for (DeltaMetadata.Commit commit : log.commitsFrom(from)) {
            Long seq = commit.txns().get(appId);
            if (seq != null && seqs.contains(seq) && commit.userMetadata().isPresent()) {
                Logged.of(commit.userMetadata().get(), seq).ifPresent(counts -> found.put(seq, counts));
            }
        }
        if (!found.keySet().containsAll(seqs)) {
            return Optional.empty();
        }
        long records = found.values().stream().mapToLong(Logged::records).sum();
        long quarantined = found.values().stream().mapToLong(Logged::quarantined).sum();
        return Optional.of(new ParsedCounts(OptionalLong.of(records), quarantined));
    }

    /** What one stage commit records of its batch: the rows it adds and the batch's records that go to quarantine. */
    private record Logged(long records, long quarantined) {
        /** What {@code userMetadata} records of batch {@code seq}; empty if it is not of that form. */
        static Optional<Logged> of(String userMetadata, long seq) {
            JsonNode node;
            try {
                node = JSON.readTree(userMetadata);
            } catch (JsonProcessingException e) {
                return Optional.empty();
            }
            JsonNode batch = node.path("sluiceBatch");
            JsonNode records = node.path("stageRows");
            JsonNode quarantined = node.path("quarantined");
            if (!count(batch) || batch.asLong() != seq || !count(records) || !count(quarantined)) {
                return Optional.empty();
            }
            return Optional.of(new Logged(records.asLong(), quarantined.asLong()));
        }

        /** Whether {@code node} is a whole number of 0 or more that fits a long. */
        private static boolean count(JsonNode node) {
            return node.isIntegralNumber() && node.canConvertToLong() && node.asLong() >= 0;
        }
    }

    /**
     * What {@code parse} counted of some stage batches.
     *
     * @param stageRowsAtMost at least as many as the rows the batches added to the stage table; empty when not known
     * @param quarantined records of the batches that went to quarantine
     */
    public record ParsedCounts(OptionalLong stageRowsAtMost, long quarantined) {
        public ParsedCounts {
            requireNonNull(stageRowsAtMost, "stageRowsAtMost is null");
        }
    }

    private Optional<List<Batch>> batches(String table, Collection<Long> seqs) {
        Map<Long, Batch> known = tables.getOrDefault(table, Map.of());
        List<Batch> batches = new ArrayList<>();
        for (Long seq : seqs) {
            Batch batch = known.get(seq);
            if (batch == null) {
                return Optional.empty();
            }
            batches.add(batch);
        }
        return batches.isEmpty() ? Optional.empty() : Optional.of(batches);
    }
}
