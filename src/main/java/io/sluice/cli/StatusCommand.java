package io.sluice.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.config.SluiceConfig;
import io.sluice.lake.LakeLayout;
import io.sluice.status.LakeStatus;
import io.sluice.status.ReadLakeStatus;
import io.sluice.status.StatusPage;
import io.sluice.status.StatusText;
import io.sluice.status.Thresholds;
import io.sluice.storage.Storages;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code sluice status}: the lake's health from its bookkeeping, with thresholds that make it exit 1 for alerting. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Show a lake's health from metadata only (the landing listing, batch manifests, ledgers and"
                + " Delta logs; never a table's data): the pending backlog, each step's last success and lag, recent"
                + " batches and distribute runs, quarantine reasons, table health and gold freshness. With thresholds,"
                + " exits 1 and prints the reasons when one is crossed, for Airflow, cron or a scheduler to alert on.",
                "Example: sluice status --max-lag PT2H --max-pending-age PT1H --max-quarantine-ratio 0.01"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no threshold crossed", "1:a threshold was crossed (reasons on stdout), or status failed",
                "2:usage or configuration error"})
final class StatusCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ZoneOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print the status as JSON instead of text.")
    boolean json;

    @Option(names = "--html", paramLabel = "FILE",
            description = "Also write the status as one self-contained HTML page (no server, no network).")
    Optional<Path> html;

    @Option(names = "--max-lag", paramLabel = "DURATION",
            description = "Alert when parse, distribute or a publish last succeeded longer ago than this (ISO-8601,"
                    + " e.g. PT2H), or never did.")
    Optional<Duration> maxLag;

    @Option(names = "--max-pending-age", paramLabel = "DURATION",
            description = "Alert when a file has waited in landing's pending/ longer than this (e.g. PT1H).")
    Optional<Duration> maxPendingAge;

    @Option(names = "--max-quarantine-ratio", paramLabel = "RATIO",
            description = "Alert when more than this share (0 to 1) of the recent batches' records was quarantined.")
    Optional<Double> maxQuarantineRatio;

    @Option(names = "--max-small-files", paramLabel = "N",
            description = "Alert when one partition of the trusted tables holds more than N files below the target"
                    + " file size (distribute.targetFileSizeMb): the table needs sluice maintain.")
    Optional<Long> maxSmallFiles;

    @Option(names = "--max-versions-since-upkeep", paramLabel = "N",
            description = "Alert when a trusted table gained more than N log versions since sluice maintain last"
                    + " compacted it (or since its creation).")
    Optional<Long> maxVersionsSinceUpkeep;

    @Option(names = "--batches", paramLabel = "N", defaultValue = "" + ReadLakeStatus.RECENT_DEFAULT,
            description = "How many recent batches and distribute runs to show and judge (default: ${DEFAULT-VALUE}).")
    int batches;

    @Override
    public Integer call() {
        Sluice root = (Sluice) spec.root().userObject();
        Thresholds thresholds = thresholds();
        SluiceConfig config = options.load();
        // Without --dataset, every dataset of the config: one command watches the whole lake.
        List<String> datasets = spec.commandLine().getParseResult().hasMatchedOption("--dataset")
                ? List.of(options.dataset) : List.copyOf(config.datasets().keySet());
        datasets.forEach(config::dataset);
        SparkSession spark = root.session(new SessionSettings("sluice status", config.sparkSettings(),
                options.verbose));
        LakeLayout lake = new LakeLayout(config.zones(),
                Storages.open(spark.sessionState().newHadoopConf(), root.checkpoints()::reached));
        long target = config.distribute().targetFileSizeMb() * 1024L * 1024L;
        List<LakeStatus> statuses = new ArrayList<>();
        for (String dataset : datasets) {
            LakeStatus status = new ReadLakeStatus(spark, lake, dataset, config.dataset(dataset), target, batches,
                    root.clock()).execute();
            statuses.add(status.withProblems(thresholds.crossed(status)));
        }
        List<String> problems = statuses.stream().flatMap(s -> s.problems().stream()).toList();
        PrintWriter out = spec.commandLine().getOut();
        ObjectNode document = document(root, statuses, problems, thresholds);
        if (json) {
            out.println(document.toPrettyString());
        } else {
            statuses.forEach(status -> StatusText.print(out, status));
        }
        out.flush();
        options.report.ifPresent(file -> ReportFile.write(file, document));
        html.ifPresent(file -> StatusPage.write(file, statuses, thresholds));
        return problems.isEmpty() ? 0 : Sluice.EXIT_FAILED;
    }

    private Thresholds thresholds() {
        maxQuarantineRatio.ifPresent(ratio -> {
            if (!(ratio >= 0 && ratio <= 1)) {
                throw new ParameterException(spec.commandLine(), "--max-quarantine-ratio must be between 0 and 1, got "
                        + ratio);
            }
        });
        for (Optional<Duration> limit : List.of(maxLag, maxPendingAge)) {
            if (limit.isPresent() && (limit.get().isNegative() || limit.get().isZero())) {
                throw new ParameterException(spec.commandLine(), "--max-lag and --max-pending-age must be positive,"
                        + " got " + limit.get());
            }
        }
        for (Optional<Long> limit : List.of(maxSmallFiles, maxVersionsSinceUpkeep)) {
            if (limit.isPresent() && limit.get() < 0) {
                throw new ParameterException(spec.commandLine(), "--max-small-files and --max-versions-since-upkeep"
                        + " must be 0 or more, got " + limit.get());
            }
        }
        if (batches < 1) {
            throw new ParameterException(spec.commandLine(), "--batches must be at least 1, got " + batches);
        }
        return new Thresholds(maxLag, maxPendingAge, maxQuarantineRatio, maxSmallFiles, maxVersionsSinceUpkeep);
    }

    private static ObjectNode document(Sluice root, List<LakeStatus> statuses, List<String> problems,
                                       Thresholds thresholds) {
        ObjectNode document = ReportFile.JSON.createObjectNode();
        document.put("command", "status");
        document.put("generatedAt", root.clock().instant().toString());
        document.put("healthy", problems.isEmpty());
        ObjectNode limits = document.putObject("thresholds");
        thresholds.maxLag().ifPresent(limit -> limits.put("maxLag", limit.toString()));
        thresholds.maxPendingAge().ifPresent(limit -> limits.put("maxPendingAge", limit.toString()));
        thresholds.maxQuarantineRatio().ifPresent(limit -> limits.put("maxQuarantineRatio", limit));
        thresholds.maxSmallFiles().ifPresent(limit -> limits.put("maxSmallFiles", limit));
        thresholds.maxVersionsSinceUpkeep().ifPresent(limit -> limits.put("maxVersionsSinceUpkeep", limit));
        ArrayNode reasons = document.putArray("problems");
        problems.forEach(reasons::add);
        document.set("datasets", ReportFile.JSON.valueToTree(statuses));
        return document;
    }
}
