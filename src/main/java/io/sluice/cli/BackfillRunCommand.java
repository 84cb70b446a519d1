package io.sluice.cli;

import io.sluice.config.ConfigException;
import io.sluice.config.DatasetProfile;
import io.sluice.config.History;
import io.sluice.config.SluiceConfig;
import io.sluice.lake.FolderState;
import io.sluice.lake.FolderState.Status;
import io.sluice.report.StepResult;
import io.sluice.report.StepResult.FileCounts;
import io.sluice.report.StepResult.RecordCounts;
import io.sluice.steps.BackfillHistory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** {@code sluice backfill-history run}: history folders into the dataset's trusted table, resumable. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Write history folders under --source into the dataset's trusted table, one Spark job per"
                + " folder, with the schema, partitioning and dedup of 'repartition'. Each folder's state is kept in"
                + " <trusted>/_sluice/<dataset>/backfill/<folder>.json: a second run skips done folders, retries"
                + " failed and interrupted ones. Transient failures are retried with backoff.",
                "Example: sluice backfill-history run --source s3a://bucket/history --folder 0A_CheckoutOrder"
                        + " --dataset orders --config conf/emr.yaml"})
final class BackfillRunCommand extends DataCommand {
    /** Name of this step in reports. */
    static final String STEP = "backfill";

    @Option(names = "--source", required = true, paramLabel = "URI",
            description = "Root of the history; its top-level folders are the units of work.")
    String source;

    @Option(names = "--folder", paramLabel = "NAME", description = "Run this one folder (as each EMR step does).")
    Optional<String> folder;

    @Option(names = "--folders", paramLabel = "A,B,...", split = ",",
            description = "Run these folders. Without --folder or --folders, every folder matching the profile's"
                    + " folderPattern; expected folders that are absent are reported missing.")
    List<String> folders = new ArrayList<>();

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "1",
            description = "Folders worked on at once in this Spark session; table writes still go one at a time"
                    + " (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--max-attempts", paramLabel = "N", defaultValue = "" + BackfillHistory.Settings.MAX_ATTEMPTS_DEFAULT,
            description = "Attempts per folder when failures are transient: I/O, throttling, lost executors, Delta"
                    + " conflicts, a table lock held elsewhere (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--force", description = "Run folders that are done again; their rows are not duplicated.")
    boolean force;

    @Option(names = "--retry-delay", paramLabel = "DURATION", defaultValue = "PT10S", converter = IsoDuration.class,
            description = "Wait before the second attempt, doubled each attempt, with jitter; ISO-8601"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration retryDelay;

    @Option(names = "--max-retry-delay", paramLabel = "DURATION", defaultValue = "PT5M", converter = IsoDuration.class,
            description = "Longest wait between attempts (default: ${DEFAULT-VALUE}).")
    Duration maxRetryDelay;

    @Option(names = "--lock-wait", paramLabel = "DURATION", defaultValue = "PT30M", converter = IsoDuration.class,
            description = "How long a write waits for the table lock held by another run ('repartition', another"
                    + " cluster) before the attempt counts as failed (default: ${DEFAULT-VALUE}).")
    Duration lockWait;

    @Override
    void validate(SluiceConfig config, DatasetProfile profile) {
        History history = profile.historyLayout().orElseThrow(() -> new ConfigException(options.config
                + ": datasets." + options.dataset + ".history is missing; give folderPattern, expectedFolders and"
                + " documentsUnder to backfill " + options.dataset));
        if (folder.isPresent() && !folders.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--folder and --folders cannot be combined; list every"
                    + " folder in --folders");
        }
        Pattern pattern = Pattern.compile(history.folderPattern());
        for (String name : requested()) {
            if (!pattern.matcher(name).matches()) {
                throw new ParameterException(spec.commandLine(), "folder '" + name + "' does not match datasets."
                        + options.dataset + ".history.folderPattern '" + history.folderPattern() + "'; give the name"
                        + " of a folder directly under --source, e.g. as 'backfill-history plan' lists them");
            }
        }
        if (parallel < 1) {
            throw new ParameterException(spec.commandLine(), "--parallel must be at least 1, got " + parallel);
        }
        if (maxAttempts < 1) {
            throw new ParameterException(spec.commandLine(), "--max-attempts must be at least 1, got " + maxAttempts);
        }
        if (maxRetryDelay.compareTo(retryDelay) < 0) {
            throw new ParameterException(spec.commandLine(), "--max-retry-delay " + maxRetryDelay
                    + " is shorter than --retry-delay " + retryDelay);
        }
        Steps.typer(profile);
    }

    private List<String> requested() {
        return folder.map(List::of).orElse(folders.stream().map(String::strip).filter(f -> !f.isEmpty()).toList());
    }

    @Override
    List<StepResult> steps(Context context, List<StepResult> done) {
        Instant started = root.clock().instant();
        BackfillHistory.Settings settings = new BackfillHistory.Settings(requested(), parallel, maxAttempts, force,
                retryDelay, maxRetryDelay, lockWait);
        BackfillHistory.Result result = new BackfillHistory(context.spark(), context.lake(), context.dataset(),
                context.profile(), context.config().distribute(), Steps.typer(context.profile()), source, settings,
                root.checkpoints(), root.clock(), progress(context.out(), "backfill-history")).execute();
        for (BackfillHistory.FolderResult folderResult : result.folders()) {
            done.add(folderStep(context.dataset(), started, folderResult));
        }
        done.add(summary(context.dataset(), started, result));
        List<BackfillHistory.FolderResult> unfinished = result.unfinished();
        if (!unfinished.isEmpty()) {
            throw new BackfillIncompleteException(unfinished.size() + " of " + result.folders().size()
                    + " folder(s) did not complete: " + unfinished.stream().map(BackfillRunCommand::describe)
                    .collect(Collectors.joining("; ")) + ". Fix the cause and run again: done folders are skipped,"
                    + " their states are in " + context.lake().backfillState(context.dataset()));
        }
        return done;
    }

    private static String describe(BackfillHistory.FolderResult result) {
        FolderState state = result.state();
        return state.status() == Status.MISSING ? result.folder() + " is missing"
                : result.folder() + " failed after " + state.attempts() + " attempt(s): " + state.lastError();
    }

    private static StepResult folderStep(String dataset, Instant runStarted, BackfillHistory.FolderResult result) {
        FolderState state = result.state();
        List<String> notes = new ArrayList<>();
        String status = state.status().name().toLowerCase(Locale.ROOT);
        notes.add("status: " + status + (result.skipped() ? " earlier (" + state.finishedAt() + "), skipped"
                : state.status() == Status.MISSING ? " from the source" : " after " + state.attempts()
                + " attempt(s) in all"));
        if (state.lastError() != null && !result.skipped()) {
            notes.add("last error: " + state.lastError());
        }
        notes.addAll(result.notes());
        Map<String, Long> details = new LinkedHashMap<>();
        details.put("attempts", (long) state.attempts());
        details.put("documents", state.documents());
        details.put("versionsWritten", state.versionsWritten());
        details.put("alreadyPresent", state.alreadyPresent());
        details.put("quarantined", state.quarantined());
        details.put("strays", state.strays());
        details.put("hidden", state.hidden());
        boolean ran = !result.skipped() && state.status() == Status.DONE;
        FileCounts files = ran ? new FileCounts(state.documents() + state.strays() + state.hidden(), state.documents(),
                0, state.strays() + state.hidden()) : FileCounts.NONE;
        RecordCounts records = ran ? new RecordCounts(result.records(), result.records() - state.quarantined(),
                state.quarantined(), result.duplicates(), state.versionsWritten()) : RecordCounts.NONE;
        Instant started = Optional.ofNullable(state.startedAt()).map(Instant::parse).orElse(runStarted);
        return new StepResult(STEP + ":" + result.folder(), dataset, started, ran ? state.durationMs() : 0, files,
                records, details, notes);
    }

    /** Counts of folders by outcome; no records, so the report's totals stay the folders' sums. */
    private StepResult summary(String dataset, Instant started, BackfillHistory.Result result) {
        Map<String, Long> details = new LinkedHashMap<>();
        details.put("folders", (long) result.folders().size());
        details.put("done", result.folders().stream().filter(f -> f.status() == Status.DONE && !f.skipped()).count());
        details.put("skipped", result.folders().stream().filter(BackfillHistory.FolderResult::skipped).count());
        for (Status status : List.of(Status.FAILED, Status.MISSING)) {
            details.put(status.name().toLowerCase(Locale.ROOT),
                    result.folders().stream().filter(f -> f.status() == status).count());
        }
        List<String> notes = new ArrayList<>(result.anomalies());
        result.unfinished().forEach(f -> notes.add(describe(f)));
        long duration = root.clock().millis() - started.toEpochMilli();
        return new StepResult(STEP, dataset, started, duration, FileCounts.NONE, RecordCounts.NONE, details, notes);
    }

    /** Some folders failed or are missing; the others are done and the summary says which. */
    static final class BackfillIncompleteException extends RuntimeException {
        BackfillIncompleteException(String message) {
            super(message);
        }
    }

    /** ISO-8601 durations with a message that says how to write one. */
    static final class IsoDuration implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                Duration duration = Duration.parse(value);
                if (duration.isNegative()) {
                    throw new CommandLine.TypeConversionException("'" + value + "' is negative");
                }
                return duration;
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not an ISO-8601 duration; write"
                        + " e.g. PT10S, PT0.5S or PT5M");
            }
        }
    }
}
