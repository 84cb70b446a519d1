package io.sluice.status;

import java.io.PrintWriter;
import java.util.List;

/** The human form of {@link LakeStatus}: a few aligned sections an on-call engineer reads in a terminal. */
public final class StatusText {
    private StatusText() {
    }

    public static void print(PrintWriter out, LakeStatus status) {
        out.println("dataset " + status.dataset() + " at " + status.generatedAt());
        LakeStatus.Pending pending = status.pending();
        out.println("  pending: " + pending.files() + " files, " + pending.bytes() + " bytes"
                + (pending.oldestAgeSeconds() == null ? ""
                : ", oldest waiting " + Thresholds.Durations.text(pending.oldestAgeSeconds())));
        out.println("  steps:");
        for (LakeStatus.StepStatus step : status.steps()) {
            out.printf("    %-28s %s%s%s%n", step.step(),
                    step.lastSuccess() == null ? "never succeeded"
                            : "last success " + step.lastSuccess() + " (" + Thresholds.Durations.text(step.lagSeconds())
                            + " ago)",
                    step.batch() == null ? "" : ", " + step.batch(),
                    step.waiting().isEmpty() ? "" : "; waiting: " + step.waiting());
        }
        if (!status.batches().isEmpty()) {
            out.println("  recent batches (seq, started, files, records, quarantined, re-delivered files, distributed):");
            for (LakeStatus.BatchStatus b : status.batches()) {
                out.printf("    %6d  %s  %4d  %8d  %6d  %3d  %s%n", b.seq(), b.startedAt(), b.files(), b.records(),
                        b.quarantined(), b.redeliveredFiles(), b.distributed() ? "yes" : "no (" + b.status() + ")");
            }
            out.printf("  quarantine ratio of these batches: %.4f%n", status.quarantineRatio());
        }
        if (!status.quarantineReasons().isEmpty()) {
            out.println("  quarantined by reason: " + status.quarantineReasons());
        }
        if (!status.runs().isEmpty()) {
            out.println("  recent distribute runs (trusted version, committed, batches, records in, written,"
                    + " duplicates):");
            for (LakeStatus.RunStatus r : status.runs()) {
                out.printf("    v%-5d %s  %-10s %8d  %8d  %8d%n", r.version(), r.committedAt(), r.batches(),
                        r.recordsIn(), r.written(), r.duplicates());
            }
        }
        for (LakeStatus.TableHealth t : status.tables()) {
            out.printf("  table %s %s: version %d, %d files, %d bytes, %d partitions, %d small files (at most %d in"
                            + " %s), %d versions since the last compaction%s%n", t.role(), t.path(), t.version(),
                    t.files(), t.bytes(), t.partitions(), t.smallFiles(), t.mostSmallFiles(),
                    t.partitionWithMostSmallFiles().isEmpty() ? "one partition" : t.partitionWithMostSmallFiles(),
                    t.versionsSinceUpkeep(), t.lastUpkeep() == null ? " (never compacted)" : " (" + t.lastUpkeep() + ")");
        }
        for (LakeStatus.GoldStatus g : status.gold()) {
            out.printf("  gold %s %s: %s%n", g.name(), g.path(), g.trustedVersion() == null ? "never published"
                    : "trusted version " + g.trustedVersion() + ", " + g.versionsBehind() + " versions behind, published "
                    + g.lastPublished() + " (" + Thresholds.Durations.text(g.lagSeconds()) + " ago)");
        }
        printProblems(out, status.problems());
    }

    static void printProblems(PrintWriter out, List<String> problems) {
        if (problems.isEmpty()) {
            out.println("  OK: no threshold crossed");
        } else {
            for (String problem : problems) {
                out.println("  PROBLEM: " + problem);
            }
        }
    }
}
