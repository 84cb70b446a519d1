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
 */
public record Thresholds(Optional<Duration> maxLag, Optional<Duration> maxPendingAge,
                         Optional<Double> maxQuarantineRatio) {
    /** No limit: status only reports. */
    public static final Thresholds NONE = new Thresholds(Optional.empty(), Optional.empty(), Optional.empty());

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
        return problems;
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
