package io.sluice.status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Limits a lake must stay within; each crossing is a problem with its reason, and makes {@code status} exit 1.
 *
 * @param maxLag longest time since the last success of parse, distribute and each publish
 * @param maxPendingAge oldest a file may wait in landing's {@code pending/}
 * @param maxQuarantineRatio the largest share of the recent batches' records that may be quarantined, 0 to 1
 * @param maxSmallFiles the most files below the target size one partition of a table may hold: more means the
 *     table needs {@code maintain}
 * @param maxVersionsSinceUpkeep the most log versions a table may gain after its last compaction
 */
public record Thresholds(Optional<Duration> maxLag, Optional<Duration> maxPendingAge,
                         Optional<Double> maxQuarantineRatio, Optional<Long> maxSmallFiles,
                         Optional<Long> maxVersionsSinceUpkeep) {
    /** No limit: status only reports. */
    public static final Thresholds NONE = new Thresholds(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty());

    /** The reasons {@code status} crosses these limits, in the order steps run; empty when all is well. */
    public List<String> crossed(LakeStatus status) {
        List<String> problems = new ArrayList<>();
        String at = status.dataset() + ": ";
        maxLag.ifPresent(limit -> {
            for (LakeStatus.StepStatus step : status.steps()) {
                if (step.step().equals("maintain")) {
                    continue;
                }
                if (step.lagSeconds() == null) {
                    problems.add(at + step.step() + " has never succeeded (--max-lag " + limit + ")");
                } else if (step.lagSeconds() > limit.toSeconds()) {
                    problems.add(at + step.step() + " last succeeded " + Durations.text(step.lagSeconds())
                            + " ago, more than --max-lag " + limit + (step.waiting().isEmpty() ? ""
                            : "; waiting: " + step.waiting()));
                }
            }
        });
        maxPendingAge.ifPresent(limit -> {
            Long age = status.pending().oldestAgeSeconds();
            if (age != null && age > limit.toSeconds()) {
                problems.add(at + "the oldest of " + status.pending().files() + " pending files has waited "
                        + Durations.text(age) + ", more than --max-pending-age " + limit);
            }
        });
        maxQuarantineRatio.ifPresent(limit -> {
            double ratio = status.quarantineRatio();
            if (ratio > limit) {
                problems.add(at + String.format(java.util.Locale.ROOT, "%.4f", ratio) + " of the records of the last "
                        + status.batches().size() + " batches were quarantined, more than --max-quarantine-ratio "
                        + limit + " (reasons: " + status.quarantineReasons() + ")");
            }
        });
        for (LakeStatus.TableHealth table : status.tables()) {
            if (smallFilesCrossed(table)) {
                problems.add(at + "table " + table.role() + " holds " + table.mostSmallFiles() + " files below the target"
                        + " size in partition " + (table.partitionWithMostSmallFiles().isEmpty() ? "(unpartitioned)"
                        : table.partitionWithMostSmallFiles()) + ", more than --max-small-files " + maxSmallFiles.get()
                        + "; run sluice maintain");
            }
            if (upkeepCrossed(table)) {
                problems.add(at + "table " + table.role() + " gained " + table.versionsSinceUpkeep() + " log versions "
                        + (table.lastUpkeep() == null ? "and was never compacted" : "since its compaction at "
                        + table.lastUpkeep()) + ", more than --max-versions-since-upkeep " + maxVersionsSinceUpkeep.get()
                        + "; run sluice maintain");
            }
        }
        return problems;
    }

    /** Whether {@code table} holds more small files in one partition than allowed. */
    public boolean smallFilesCrossed(LakeStatus.TableHealth table) {
        return maxSmallFiles.isPresent() && table.mostSmallFiles() > maxSmallFiles.get();
    }

    /** Whether {@code table} went longer without compaction than allowed. */
    public boolean upkeepCrossed(LakeStatus.TableHealth table) {
        return maxVersionsSinceUpkeep.isPresent() && table.versionsSinceUpkeep() > maxVersionsSinceUpkeep.get();
    }

    /** Human durations: 2h05m, 3m10s, 45s, 2d04h. */
    static final class Durations {
        private Durations() {
        }

        static String text(long seconds) {
            if (seconds < 60) {
                return seconds + "s";
            }
            if (seconds < 3600) {
                return (seconds / 60) + "m" + String.format("%02ds", seconds % 60);
            }
            if (seconds < 86_400) {
                return (seconds / 3600) + "h" + String.format("%02dm", seconds % 3600 / 60);
            }
            return (seconds / 86_400) + "d" + String.format("%02dh", seconds % 86_400 / 3600);
        }
    }
}
