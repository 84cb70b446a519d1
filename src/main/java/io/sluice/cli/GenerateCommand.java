package io.sluice.cli;

import io.sluice.generate.EventGenerator;
import io.sluice.generate.FileLayout;
import io.sluice.generate.GenerationSummary;
import io.sluice.generate.GeneratorSettings;
import io.sluice.generate.OrderGenerator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.Callable;

/** {@code sluice generate}: writes synthetic files of the events contract, for demos, tests and benchmarks. */
@Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Write synthetic event files (duplicates, updates, late older versions, bad records) into"
                + " DIR; the same seed always writes the same bytes. Needs no Spark.",
                "With --orders: order documents (stringified JSON, versions, re-sends, personal data), as JSON lines"
                        + " for landing, or with --history one document per file in history shard folders."})
final class GenerateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--events", paramLabel = "N", description = "Distinct events to write.")
    Long events;

    @Option(names = "--orders", paramLabel = "N", description = "Distinct orders to write, instead of events.")
    Long orders;

    @Option(names = "--history", description = "With --orders: one document per file under"
            + " <HH>_<Kind>Order/<id>/id/, as historical folders hold them.")
    boolean history;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write into.")
    Path out;

    @Option(names = "--dup-rate", paramLabel = "R", defaultValue = "" + GeneratorSettings.DUPLICATE_RATE_DEFAULT,
            description = "Share of events written twice, byte for byte (default: ${DEFAULT-VALUE}).")
    double duplicateRate;

    @Option(names = "--update-rate", paramLabel = "R", defaultValue = "" + GeneratorSettings.UPDATE_RATE_DEFAULT,
            description = "Share of events with a second version, later or arriving late (default: ${DEFAULT-VALUE}).")
    double updateRate;

    @Option(names = "--bad-rate", paramLabel = "R", defaultValue = "" + GeneratorSettings.BAD_RATE_DEFAULT,
            description = "Bad records per event (default: ${DEFAULT-VALUE}).")
    double badRate;

    @Option(names = "--days", paramLabel = "D", defaultValue = "" + GeneratorSettings.DAYS_DEFAULT,
            description = "Days the event times spread over (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--layout", paramLabel = "LAYOUT", defaultValue = "ndjson",
            description = "ndjson, array, concat, gzip or mixed (default: ${DEFAULT-VALUE}).")
    FileLayout layout;

    @Option(names = "--files", paramLabel = "F",
            description = "Files to write (default: one per 50000 events, at least one).")
    Integer files;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "" + GeneratorSettings.SEED_DEFAULT,
            description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--start", paramLabel = "DATE", defaultValue = "2023-01-01",
            description = "First day of the event times, UTC (default: ${DEFAULT-VALUE}).")
    LocalDate start;

    @Override
    public Integer call() {
        if ((events == null) == (orders == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --events N or --orders N (one of them)");
        }
        if (orders != null) {
            return orders();
        }
        GeneratorSettings settings;
        try {
            settings = new GeneratorSettings(events, duplicateRate, updateRate, badRate, days, layout,
                    files != null ? files : GeneratorSettings.defaultFiles(events), seed, start);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        GenerationSummary summary = new EventGenerator(settings).generate(out);
        print(spec.commandLine().getOut(), settings, summary);
        return 0;
    }

    private Integer orders() {
        OrderGenerator.Summary summary;
        try {
            summary = new OrderGenerator(orders, seed, start, days).generate(out,
                    history ? OrderGenerator.Layout.HISTORY : OrderGenerator.Layout.LANDING,
                    files != null ? (int) Math.max(1, (orders * 3 + files - 1) / files) : 1000);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        PrintWriter text = spec.commandLine().getOut();
        text.printf("generated into %s (%s, seed %d, %d days from %s)%n", out, history ? "history" : "landing",
                seed, days, start);
        text.printf("  orders:     %d%n", summary.orders());
        text.printf("  versions:   %d (distinct Id, LastChange: rows of the all-versions table)%n", summary.versions());
        text.printf("  documents:  %d (versions + re-sends + bad)%n", summary.documents());
        text.printf("  re-sent:    %d%n", summary.resent());
        text.printf("  bad:        %d (stringified JSON that does not parse)%n", summary.bad());
        text.printf("  files:      %d%n", summary.files());
        text.flush();
        return 0;
    }

    private void print(PrintWriter text, GeneratorSettings settings, GenerationSummary summary) {
        text.printf("generated into %s (%s, seed %d, %d days from %s)%n", out, settings.layout().name().toLowerCase(),
                settings.seed(), settings.days(), settings.start());
        text.printf("  events:       %d%n", summary.events());
        text.printf("  records:      %d (events + versions + duplicates + bad)%n", summary.records());
        text.printf("  versions:     %d (later updates and late older versions)%n", summary.versions());
        text.printf("  duplicates:   %d%n", summary.duplicates());
        text.printf("  bad:          %d%n", summary.bad());
        text.printf("  distinct ids: %d (rows after keeping the latest version per event_id)%n", summary.events());
        text.printf("  files:        %d%n", summary.files());
        text.printf("  bytes:        %d (%.1f MB)%n", summary.bytes(), summary.bytes() / 1e6);
        text.flush();
    }
}
