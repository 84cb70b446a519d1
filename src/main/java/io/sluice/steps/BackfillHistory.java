package io.sluice.steps;

import io.sluice.concurrency.BoundedPool;
import io.sluice.config.ConfigException;
import io.sluice.config.DatasetProfile;
import io.sluice.config.DistributeSettings;
import io.sluice.config.History;
import io.sluice.ingest.RecordTyper;
import io.sluice.lake.BackfillStates;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.ConcurrentRunException;
import io.sluice.lake.FolderState;
import io.sluice.lake.FolderState.Status;
import io.sluice.lake.LakeLayout;
import io.sluice.lake.ZoneLock;
import io.sluice.plan.FolderScan;
import io.sluice.report.Failures;
import org.apache.spark.sql.SparkSession;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * {@code backfill-history run}: history folders into the dataset's trusted table, one Spark job per folder,
 * the same table, schema, partitioning and dedup as {@code repartition}.
 *
 * <p>Each folder has a state file ({@link BackfillStates}); done folders are skipped unless forced, so a
 * second run resumes. Transient failures are retried with exponential backoff and jitter; a permanent one
 * marks the folder failed and the run moves on. Folders may be read in parallel, but table writes run one at a
 * time, each holding the table's lock against other processes ({@code repartition}, other clusters).
 */
public final class BackfillHistory {
    /** Wait for a table lock held elsewhere before the attempt counts as failed (a write takes minutes). */
    public static final Duration LOCK_TIMEOUT = Duration.ofHours(6);

    private final SparkSession spark;
    private final LakeLayout lake;
    private final String dataset;
    private final DatasetProfile profile;
    private final History history;
    private final String source;
    private final Settings settings;
    private final Checkpoints checkpoints;
    private final Clock clock;
    private final Consumer<String> progress;
    private final BackfillFolder folders;
    private final BackfillStates states;
    private final ReentrantLock writeLock = new ReentrantLock(true);
    private final Random jitter = new Random();

    /**
     * How a run goes.
     *
     * @param folders folders to run; empty for every folder of the source matching the profile's pattern
     * @param parallel folders worked on at once
     * @param maxAttempts attempts per folder and run, the first included
     * @param force run done folders again
     * @param retryDelay wait before the second attempt; doubled each attempt
     * @param maxRetryDelay longest wait between attempts
     * @param lockWait how long an attempt waits for a table lock held by another run
     */
    public record Settings(List<String> folders, int parallel, int maxAttempts, boolean force, Duration retryDelay,
                           Duration maxRetryDelay, Duration lockWait) {
        /** Default of {@link #maxAttempts}. */
        public static final int MAX_ATTEMPTS_DEFAULT = 3;
        /** Default of {@link #retryDelay}. */
        public static final Duration RETRY_DELAY_DEFAULT = Duration.ofSeconds(10);
        /** Default of {@link #maxRetryDelay}. */
        public static final Duration MAX_RETRY_DELAY_DEFAULT = Duration.ofMinutes(5);
        /** Default of {@link #lockWait}. */
        public static final Duration LOCK_WAIT_DEFAULT = Duration.ofMinutes(30);

        public Settings {
            folders = List.copyOf(folders);
            requireNonNull(retryDelay, "retryDelay is null");
            requireNonNull(maxRetryDelay, "maxRetryDelay is null");
            requireNonNull(lockWait, "lockWait is null");
            if (parallel < 1 || maxAttempts < 1 || retryDelay.isNegative() || maxRetryDelay.isNegative()
                    || lockWait.isNegative()) {
                throw new IllegalArgumentException("parallel and maxAttempts must be positive, durations not"
                        + " negative: " + parallel + ", " + maxAttempts + ", " + retryDelay + ", " + maxRetryDelay
                        + ", " + lockWait);
            }
        }
    }

    /**
     * What happened to one folder in this run.
     *
     * @param folder the folder's name
     * @param state its state file as this run left it
     * @param skipped true when it was done before and not forced
     * @param records records read in this run (0 when skipped)
     * @param duplicates versions that added nothing: copies in the folder, or already in the table
     * @param notes stray files and where rows landed
     */
    public record FolderResult(String folder, FolderState state, boolean skipped, long records, long duplicates,
                               List<String> notes) {
        public FolderResult {
            notes = List.copyOf(notes);
        }

        public Status status() {
            return state.status();
        }
    }

    /**
     * @param folders per folder, in the order run
     * @param anomalies entries at the top of the source that are no folder of the layout
     */
    public record Result(List<FolderResult> folders, List<String> anomalies) {
        public Result {
            folders = List.copyOf(folders);
            anomalies = List.copyOf(anomalies);
        }

        /** Folders failed or missing: the run did not complete. */
        public List<FolderResult> unfinished() {
            return folders.stream().filter(f -> f.status() == Status.FAILED || f.status() == Status.MISSING).toList();
        }
    }

    public BackfillHistory(SparkSession spark, LakeLayout lake, String dataset, DatasetProfile profile,
                           DistributeSettings distribute, RecordTyper typer, String source, Settings settings,
                           Checkpoints checkpoints, Clock clock, Consumer<String> progress) {
        this.spark = requireNonNull(spark, "spark is null");
        this.lake = requireNonNull(lake, "lake is null");
        this.dataset = requireNonNull(dataset, "dataset is null");
        this.profile = requireNonNull(profile, "profile is null");
        this.history = profile.historyLayout().orElseThrow(() ->
                new ConfigException("datasets." + dataset + ".history is missing; give folderPattern,"
                        + " expectedFolders and documentsUnder to backfill " + dataset));
        this.source = requireNonNull(source, "source is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.progress = requireNonNull(progress, "progress is null");
        this.states = new BackfillStates(lake, dataset);
        this.folders = new BackfillFolder(spark, lake, dataset, profile, history, requireNonNull(distribute,
                "distribute is null"), requireNonNull(typer, "typer is null"), source, checkpoints, clock,
                this::serialised);
    }

    public Result execute() {
        List<String> anomalies = new ArrayList<>();
        List<String> todo = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        select(todo, missing, anomalies);
        List<FolderResult> results = new ArrayList<>();
        for (String folder : missing) {
            FolderState state = states.read(folder).with(Status.MISSING, clock.instant().toString());
            states.write(state);
            results.add(new FolderResult(folder, state, false, 0, 0, List.of(folder + " is missing from " + source)));
        }
        BackfillProgress tracker = new BackfillProgress(todo.size(), progress);
        progress.accept(todo.size() + " folder(s) to run" + (missing.isEmpty() ? "" : ", " + missing.size()
                + " missing") + ", " + settings.parallel() + " at a time, up to " + settings.maxAttempts()
                + " attempts each");
        // Folders on threads of their own, all in this session: Spark runs their jobs concurrently.
        results.addAll(BoundedPool.map("backfill", settings.parallel(), todo,
                folder -> tracker.finished(runFolder(folder))));
        return new Result(results, anomalies);
    }

    /** The folders asked for, or every folder of the source; what is absent goes to {@code missing}. */
    private void select(List<String> todo, List<String> missing, List<String> anomalies) {
        if (settings.folders().isEmpty()) {
            FolderScan scan = FolderScan.of(lake.storage(), source, history);
            if (scan.found().isEmpty()) {
                throw new ConfigException("no folder under " + source + " matches datasets." + dataset
                        + ".history.folderPattern '" + history.folderPattern() + "'; check the source URI, or"
                        + " name the folders with --folder");
            }
            todo.addAll(scan.found());
            missing.addAll(scan.missing());
            scan.anomalies().forEach(a -> anomalies.add("skipped " + a + " at the top of " + source
                    + ": not a folder matching the pattern"));
            return;
        }
        Set<String> present = new HashSet<>(lake.storage().listDirectories(source));
        for (String folder : new java.util.LinkedHashSet<>(settings.folders())) {
            (present.contains(folder) ? todo : missing).add(folder);
        }
    }

    /** Every attempt at one folder; only an Error (a kill) escapes. */
    private FolderResult runFolder(String folder) {
        FolderState state = states.read(folder);
        if (state.status() == Status.DONE && !settings.force()) {
            progress.accept(folder + ": done at " + state.finishedAt() + ", skipped (--force runs it again)");
            return new FolderResult(folder, state, true, 0, 0, List.of());
        }
        if (state.status() == Status.RUNNING) {
            progress.accept(folder + ": left running by an earlier run that stopped; running it again");
        }
        spark.sparkContext().setJobDescription("backfill-history " + folder);
        try {
            for (int attempt = 1; ; attempt++) {
                state = state.started(clock.instant().toString());
                long started = System.nanoTime();
                try {
                    return succeeded(state, attempt(state), started);
                } catch (RuntimeException e) {
                    boolean retry = Retries.isTransient(e) && attempt < settings.maxAttempts();
                    state = state.failed(retry ? Status.PENDING : Status.FAILED, describe(e), millisSince(started),
                            clock.instant().toString());
                    states.write(state);
                    if (!retry) {
                        progress.accept(folder + ": failed (" + (Retries.isTransient(e) ? "transient, out of"
                                + " attempts" : "permanent") + ") at attempt " + attempt + " of this run: "
                                + state.lastError());
                        return new FolderResult(folder, state, false, 0, 0, List.of());
                    }
                    Duration wait = Retries.delay(attempt, settings.retryDelay(), settings.maxRetryDelay(), jitter);
                    progress.accept(folder + ": attempt " + attempt + " failed (transient): " + state.lastError()
                            + "; retrying in " + wait.toMillis() + " ms");
                    sleep(wait);
                }
            }
        } finally {
            spark.sparkContext().setJobDescription(null);
        }
    }

    /** One attempt, its state written first so a kill leaves the folder {@code running}. */
    private BackfillFolder.Outcome attempt(FolderState running) {
        states.write(running);
        // Each attempt's quarantine append needs a Delta transaction version above the earlier ones'.
        return folders.run(running.folder(), Math.max(clock.millis(), running.attempts()), progress);
    }

    private FolderResult succeeded(FolderState running, BackfillFolder.Outcome outcome, long started) {
        FolderState state = running.done(outcome.documents(), outcome.written(), outcome.alreadyPresent(),
                outcome.quarantined(), outcome.listing().strays(), outcome.listing().hidden(), millisSince(started),
                clock.instant().toString());
        states.write(state);
        return new FolderResult(running.folder(), state, false, outcome.records(), outcome.duplicates(),
                notes(outcome));
    }

    private static long millisSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1_000_000;
    }

    private List<String> notes(BackfillFolder.Outcome outcome) {
        List<String> notes = new ArrayList<>();
        String strays = outcome.listing().describeStrays(history.documentsUnder());
        if (!strays.isEmpty()) {
            notes.add(strays);
        }
        outcome.write().ifPresent(write -> notes.addAll(write.landedLines(profile.partitions())));
        return notes;
    }

    /**
     * Runs {@code write} alone: after this process's other writes, holding the table's lock, waiting up to
     * the lock wait when another process holds it.
     */
    private <T> T serialised(String folder, Supplier<T> write) {
        writeLock.lock();
        try (ZoneLock lock = acquireTableLock(folder)) {
            return write.get();
        } finally {
            writeLock.unlock();
        }
    }

    private ZoneLock acquireTableLock(String folder) {
        long deadline = System.nanoTime() + settings.lockWait().toNanos();
        for (int tries = 1; ; tries++) {
            try {
                return ZoneLock.acquire(lake.storage(), lake.distributeLock(dataset), BackfillFolder.STEP,
                        LOCK_TIMEOUT, clock);
            } catch (ConcurrentRunException e) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw e;
                }
                Duration wait = Retries.delay(tries, settings.retryDelay(), settings.maxRetryDelay(), jitter);
                wait = wait.toNanos() > left ? Duration.ofNanos(left) : wait;
                progress.accept(folder + ": the table is locked by another run; waiting " + wait.toMillis() + " ms");
                sleep(wait);
            }
        }
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry", e);
        }
    }

    /** The first line of the failure and of each distinct cause: the root cause is never hidden. */
    static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + Failures.describe(e, "; caused by ");
    }
}
