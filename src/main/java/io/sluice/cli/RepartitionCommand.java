package io.sluice.cli;

import io.sluice.config.DatasetProfile;
import io.sluice.config.SluiceConfig;
import io.sluice.lake.BatchManifest;
import io.sluice.report.StepResult;
import io.sluice.steps.DistributeStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * {@code sluice repartition}: stage, partitioned by UTC ingestion hour, into the trusted table partitioned by
 * business date, every version once.
 */
@Command(name = "repartition", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Write the stage data of every complete ingestion hour not yet repartitioned (late arrivals"
                + " into an hour already processed included) into the dataset's trusted table, partitioned by the"
                + " business date. Every version of a record is written once, however often an hour is re-run.",
                "Example: sluice repartition --dataset orders --config conf/emr.yaml"})
final class RepartitionCommand extends DataCommand {
    /** Name of this step in reports and Delta transaction ids. */
    static final String STEP = "repartition";
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH");

    @Option(names = "--hour", paramLabel = "YYYY-MM-DDTHH",
            description = "Re-run one UTC ingestion hour, e.g. 2019-08-23T09, even if already repartitioned.")
    Optional<String> hour;

    @Option(names = "--from", paramLabel = "YYYY-MM-DDTHH", description = "Re-run ingestion hours from this one.")
    Optional<String> from;

    @Option(names = "--to", paramLabel = "YYYY-MM-DDTHH", description = "Re-run ingestion hours up to this one, inclusive.")
    Optional<String> to;

    @Option(names = "--include-open-hour",
            description = "Also take the batches of the current ingestion hour, which is still open (default: only"
                    + " complete hours, so an hour's data is written together).")
    boolean includeOpenHour;

    @Option(names = "--latest-only",
            description = "Write the latest-state table <trusted>/<dataset>_latest instead: one row per record key,"
                    + " the greatest version wins. It tracks its own progress; schedule it next to the all-versions run.")
    boolean latestOnly;

    @Override
    void validate(SluiceConfig config, DatasetProfile profile) {
        if (hour.isPresent() && (from.isPresent() || to.isPresent())) {
            throw new ParameterException(spec.commandLine(), "--hour cannot be combined with --from/--to;"
                    + " give one hour, or a range");
        }
        Optional<Instant> start = hour.or(() -> from).map(h -> parseHour(hour.isPresent() ? "--hour" : "--from", h));
        Optional<Instant> end = hour.or(() -> to).map(h -> parseHour(hour.isPresent() ? "--hour" : "--to", h));
        if (start.isPresent() && end.isPresent() && end.get().isBefore(start.get())) {
            throw new ParameterException(spec.commandLine(), "--to " + to.orElse("") + " is before --from "
                    + from.orElse(""));
        }
        Steps.typer(profile);
    }

    private Instant parseHour(String option, String value) {
        try {
            return LocalDateTime.parse(value, HOUR).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new ParameterException(spec.commandLine(), option + " '" + value + "' is not an hour; use"
                    + " YYYY-MM-DDTHH in UTC, e.g. 2019-08-23T09");
        }
    }

    @Override
    List<StepResult> steps(Context context, List<StepResult> done) {
        DatasetProfile profile = context.profile();
        String table = context.dataset();
        if (latestOnly) {
            profile = profile.withKeep(DatasetProfile.Keep.LATEST);
            table = context.dataset() + "_latest";
        }
        done.add(new DistributeStage(context.spark(), context.lake(), STEP, context.dataset(), table, profile,
                context.config().distribute(), selection(), root.checkpoints(), root.clock(),
                progress(context.out(), STEP), context.committedBatches()).execute());
        return done;
    }

    private DistributeStage.Selection selection() {
        if (hour.isEmpty() && from.isEmpty() && to.isEmpty()) {
            Instant openHour = root.clock().instant().truncatedTo(ChronoUnit.HOURS);
            Predicate<BatchManifest> complete = m -> includeOpenHour || ingestionHour(m).isBefore(openHour);
            return new DistributeStage.Selection(complete, false);
        }
        Instant start = hour.or(() -> from).map(h -> parseHour("--from", h)).orElse(Instant.MIN);
        Instant end = hour.or(() -> to).map(h -> parseHour("--to", h)).orElse(Instant.MAX);
        return new DistributeStage.Selection(m -> !ingestionHour(m).isBefore(start) && !ingestionHour(m).isAfter(end),
                true);
    }

    private static Instant ingestionHour(BatchManifest manifest) {
        return Instant.parse(manifest.startedAt()).truncatedTo(ChronoUnit.HOURS);
    }
}
