package io.sluice.lake;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.Snapshot;
import org.apache.spark.sql.delta.VersionChecksum;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.CommitInfo;
import org.apache.spark.sql.delta.actions.FileAction;
import org.apache.spark.sql.delta.actions.SetTransaction;
import scala.Option;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.collection.JavaConverters;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/** What a Delta table's log says, read without touching a data file. */
public final class DeltaMetadata {
    private final Snapshot snapshot;
    private final DeltaLog log;

    private DeltaMetadata(DeltaLog log, Snapshot snapshot) {
        this.log = log;
        this.snapshot = snapshot;
    }

    /** The latest snapshot of the table at {@code path}; empty when there is no Delta table there. */
    public static Optional<DeltaMetadata> read(SparkSession spark, String path) {
        requireNonNull(path, "path is null");
        DeltaLog log = DeltaLog.forTable(spark, path);
        Snapshot snapshot = log.update(false, Option.empty(), Option.empty());
        return snapshot.version() < 0 ? Optional.empty() : Optional.of(new DeltaMetadata(log, snapshot));
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    public long version() {
        return snapshot.version();
    }

    /**
     * The table's data files: from the version's checksum file ({@code _delta_log/<version>.crc}, which Delta writes
     * after each commit) when there is one, so no Spark job reconstructs the table's state; else from that state.
     */
    public long fileCount() {
        return checksum(snapshot).map(VersionChecksum::numFiles).orElseGet(snapshot::numOfFiles);
    }

    /** The bytes of the table's data files, from the version's checksum file when there is one ({@link #fileCount}). */
    public long sizeInBytes() {
        return checksum(snapshot).map(VersionChecksum::tableSizeBytes).orElseGet(snapshot::sizeInBytes);
    }

    private static Optional<VersionChecksum> checksum(Snapshot snapshot) {
        Option<VersionChecksum> checksum = snapshot.checksumOpt();
        return checksum.isDefined() ? Optional.of(checksum.get()) : Optional.empty();
    }

    /**
     * The greatest transaction version committed under {@code appId}, if any: from the version's checksum file when it
     * lists the table's transactions (Delta writes them there after each commit, up to a hundred application ids), so
     * no Spark job reconstructs the table's state; else from that state.
     */
    public Optional<Long> txnVersion(String appId) {
        return checksumTransactions(snapshot).map(transactions -> Optional.ofNullable(transactions.get(appId)))
                .orElseGet(() -> {
                    Option<Object> version = snapshot.transactions().get(appId);
                    return version.isDefined() ? Optional.of((Long) version.get()) : Optional.empty();
                });
    }

    /**
     * The table's transactions (application id to its greatest version) as {@code snapshot}'s checksum file lists
     * them; empty when the file is absent or lists none of them (an older writer, more application ids than Delta
     * keeps there, a table with a transaction retention), and only the table's state knows.
     */
    static Optional<Map<String, Long>> checksumTransactions(Snapshot snapshot) {
        return checksum(snapshot).filter(checksum -> checksum.setTransactions().isDefined()).map(checksum -> {
            Map<String, Long> transactions = new HashMap<>();
            for (SetTransaction txn : JavaConverters.seqAsJavaList(checksum.setTransactions().get())) {
                transactions.merge(txn.appId(), txn.version(), Math::max);
            }
            return transactions;
        });
    }

    /**
     * One commit of the log.
     *
     * @param txns transaction (app id to version) the commit carried
     * @param metrics Delta's operation metrics
     * @param dataChange whether it added or removed rows: a file action marked {@code dataChange} (a compaction's
     *                   are not)
     * @param userMetadata what its writer recorded with it; empty when nothing
     * @param txnId the id Delta gave the transaction that made it; empty when its log entry has none
     */
    public record Commit(long version, Instant at, String operation, Map<String, Long> txns,
                         Map<String, String> metrics, boolean dataChange, Optional<String> userMetadata,
                         Optional<String> txnId) {
        /** Delta's operation metric {@code name} of the commit; empty when the commit has none (or not a number). */
        public OptionalLong metric(String name) {
            String value = metrics.get(name);
            if (value == null) {
                return OptionalLong.empty();
            }
            try {
                return OptionalLong.of(Long.parseLong(value));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
    }

    /** The commits from {@code fromVersion} to the latest, oldest first; commits the log no longer holds are skipped. */
    public List<Commit> commitsFrom(long fromVersion) {
        List<Commit> commits = new ArrayList<>();
        Iterator<Tuple2<Object, scala.collection.Seq<Action>>> changes =
                log.getChanges(Math.max(0, fromVersion), false);
        while (changes.hasNext()) {
            Tuple2<Object, scala.collection.Seq<Action>> change = changes.next();
            long version = (Long) change._1();
            Instant at = null;
            String operation = "";
            Map<String, Long> txns = new java.util.LinkedHashMap<>();
            Map<String, String> metrics = Map.of();
            boolean dataChange = false;
            Optional<String> userMetadata = Optional.empty();
            Optional<String> txnId = Optional.empty();
            for (Action action : JavaConverters.seqAsJavaList(change._2())) {
                if (action instanceof CommitInfo info) {
                    at = Instant.ofEpochMilli(info.timestamp().getTime());
                    operation = info.operation();
                    if (info.operationMetrics().isDefined()) {
                        metrics = JavaConverters.mapAsJavaMap(info.operationMetrics().get());
                    }
                    if (info.userMetadata().isDefined()) {
                        userMetadata = Optional.of(info.userMetadata().get());
                    }
                    if (info.txnId().isDefined()) {
                        txnId = Optional.of(info.txnId().get());
                    }
                } else if (action instanceof SetTransaction txn) {
                    txns.put(txn.appId(), txn.version());
                } else if (action instanceof FileAction file && file.dataChange()) {
                    dataChange = true;
                }
            }
            commits.add(new Commit(version, at, operation, txns, metrics, dataChange, userMetadata, txnId));
        }
        return commits;
    }

    /** The commit of the latest version. */
    public Commit latestCommit() {
        List<Commit> commits = commitsFrom(version());
        return commits.isEmpty() ? new Commit(version(), Instant.ofEpochMilli(snapshot.timestamp()), "", Map.of(),
                Map.of(), true, Optional.empty(), Optional.empty()) : commits.get(commits.size() - 1);
    }
}
