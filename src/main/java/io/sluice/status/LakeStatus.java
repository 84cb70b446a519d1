package io.sluice.status;

import java.util.List;
import java.util.Map;

/**
 * The health of one dataset's lake, read from metadata only: the landing listing, batch manifests, the ledgers and
 * Delta logs. Instants are ISO-8601 UTC text and ages are whole seconds, so the JSON form needs no date module.
 *
 * @param dataset the dataset profile
 * @param generatedAt when the status was read
 * @param pending the landing backlog
 * @param steps each step's last success and lag
 * @param batches the most recent parse batches, oldest first
 * @param runs the most recent distribute commits to the trusted table, oldest first
 * @param quarantineReasons records quarantined by the recent batches, per reason
 * @param tables health of the trusted tables
 * @param gold freshness of the gold tables
 * @param problems thresholds crossed; empty when all is well
 */
public record LakeStatus(String dataset, String generatedAt, Pending pending, List<StepStatus> steps,
                         List<BatchStatus> batches, List<RunStatus> runs, Map<String, Long> quarantineReasons,
                         List<TableHealth> tables, List<GoldStatus> gold, List<String> problems) {

    public LakeStatus {
        steps = List.copyOf(steps);
        batches = List.copyOf(batches);
        runs = List.copyOf(runs);
        quarantineReasons = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(quarantineReasons));
        tables = List.copyOf(tables);
        gold = List.copyOf(gold);
        problems = List.copyOf(problems);
    }

    /** This status with {@code found} as its problems. */
    public LakeStatus withProblems(List<String> found) {
        return new LakeStatus(dataset, generatedAt, pending, steps, batches, runs, quarantineReasons, tables, gold,
                found);
    }

    /** Records of the recent batches quarantined, over the records they held; 0 without records. */
    public double quarantineRatio() {
        long records = batches.stream().mapToLong(b -> b.records() + b.quarantined()).sum();
        long quarantined = batches.stream().mapToLong(BatchStatus::quarantined).sum();
        return records == 0 ? 0 : (double) quarantined / records;
    }

    /**
     * Files waiting in landing's {@code pending/}.
     *
     * @param oldestFileAt modification time of the oldest file; null when none waits
     * @param oldestAgeSeconds its age; null when none waits
     */
    public record Pending(String location, long files, long bytes, String oldestFileAt, Long oldestAgeSeconds) {
    }

    /**
     * A step's progress.
     *
     * @param step parse, distribute, publish (one per gold table: {@code publish <name>}) or maintain
     * @param lastSuccess when it last committed; null when it never did
     * @param batch what that commit covered: a batch, a range of batches, a table version
     * @param lagSeconds seconds since the last success; null when it never succeeded
     * @param waiting work not done yet, e.g. "2 batches" (empty when none)
     */
    public record StepStatus(String step, String lastSuccess, String batch, Long lagSeconds, String waiting) {
    }

    /**
     * A parse batch, from its manifest and the ledger of ingested files.
     *
     * @param records usable records
     * @param quarantined records quarantined at parse
     * @param redeliveredFiles files whose content was ingested before (added nothing)
     * @param distributed whether the trusted table consumed it
     */
    public record BatchStatus(long seq, String batchId, String startedAt, String status, long files, long bytes,
                              long records, long quarantined, long redeliveredFiles, boolean distributed) {
    }

    /**
     * One distribute commit to the trusted table.
     *
     * @param version the trusted table's version it created
     * @param batches the batches it consumed, {@code first..last}
     * @param recordsIn usable records of those batches
     * @param written rows inserted or replaced
     * @param duplicates records that added nothing: re-sent copies and versions older than the table's
     */
    public record RunStatus(long version, String committedAt, String batches, long recordsIn, long written,
                            long duplicates) {
    }

    /**
     * A Delta table's layout.
     *
     * @param smallFiles files below the target file size
     * @param mostSmallFiles the most small files one partition holds
     * @param partitionWithMostSmallFiles that partition, {@code col=value/...}
     * @param lastUpkeep when {@code maintain} last compacted it; null when never
     * @param versionsSinceUpkeep log versions since then (since the table's creation when never)
     * @param busiestPartitions files of the ten partitions holding the most, most first
     */
    public record TableHealth(String role, String path, long version, long files, long bytes, long partitions,
                              long smallFiles, long mostSmallFiles, String partitionWithMostSmallFiles,
                              String lastUpkeep, long versionsSinceUpkeep, Map<String, Long> busiestPartitions) {
    }

    /**
     * A gold table's freshness.
     *
     * @param trustedVersion the trusted table's version it reflects; null when never published
     * @param versionsBehind trusted versions since then
     * @param lastPublished its last commit; null when it does not exist
     */
    public record GoldStatus(String name, String path, Long trustedVersion, long versionsBehind,
                             String lastPublished, Long lagSeconds) {
    }
}
