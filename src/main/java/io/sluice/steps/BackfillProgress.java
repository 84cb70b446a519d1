package io.sluice.steps;

import io.sluice.lake.FolderState.Status;
import io.sluice.steps.BackfillHistory.FolderResult;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The progress line of a backfill after each folder: folders finished out of all, versions written, time
 * elapsed, and the time left estimated from the folders that ran (skipped ones cost nothing).
 */
final class BackfillProgress {
    private final int total;
    private final Consumer<String> progress;
    private final long started = System.nanoTime();
    private int finished;
    private int ran;
    private int failed;
    private long rows;

    BackfillProgress(int total, Consumer<String> progress) {
        this.total = total;
        this.progress = progress;
    }

    synchronized FolderResult finished(FolderResult result) {
        finished++;
        if (!result.skipped()) {
            ran++;
            rows += result.state().versionsWritten();
        }
        if (result.status() == Status.FAILED) {
            failed++;
        }
        long elapsed = System.nanoTime() - started;
        int left = total - finished;
        String estimate = ran == 0 || left == 0 ? (left == 0 ? "none" : "unknown")
                : "about " + format(Duration.ofNanos(elapsed / ran * left));
        progress.accept(String.format("folders %d/%d (%s %s%s), %d versions written, elapsed %s, left %s",
                finished, total, result.folder(), result.skipped() ? "skipped" : result.status().name()
                        .toLowerCase(Locale.ROOT), failed == 0 ? "" : ", " + failed + " failed", rows,
                format(Duration.ofNanos(elapsed)), estimate));
        return result;
    }

    private static String format(Duration duration) {
        return String.format("%d:%02d:%02d", duration.toHours(), duration.toMinutesPart(),
                duration.toSecondsPart());
    }
}
