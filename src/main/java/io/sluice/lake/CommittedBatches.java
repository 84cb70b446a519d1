package io.sluice.lake;

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
