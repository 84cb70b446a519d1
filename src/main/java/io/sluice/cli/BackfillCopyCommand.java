package io.sluice.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.config.ConfigLoader;
import io.sluice.config.History;
import io.sluice.config.SluiceConfig;
import io.sluice.history.CopyHistory;
import io.sluice.history.CopyResult;
import io.sluice.history.FolderCopy;
import io.sluice.storage.S3ClientSettings;
import io.sluice.storage.S3Clients;
import io.sluice.storage.S3Location;
import io.sluice.storage.S3ObjectCopier;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code sluice backfill-history copy}: brings history folders into the lake's bucket with server-side copies. */
@Command(name = "copy", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Copy history folders from --from to --to with server-side S3 copies, many in flight; skip what an"
                + " earlier run copied; compare counts and bytes per folder at the end. Never deletes the source."
                + " Exit code 1 when anything is missing or did not copy.")
final class BackfillCopyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "URI", description = "Source prefix, s3://bucket/prefix.")
    String from;

    @Option(names = "--to", required = true, paramLabel = "URI", description = "Target prefix, s3://bucket/prefix.")
    String to;

    @Option(names = "--folders", split = ",", paramLabel = "A,B",
            description = "Only these top-level folders (default: every folder, and objects directly under --from).")
    List<String> folders = List.of();

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "" + CopyHistory.CONCURRENCY_DEFAULT,
            description = "Copy requests in flight (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--multipart-threshold", paramLabel = "BYTES", defaultValue = "" + S3ObjectCopier.MULTIPART_THRESHOLD_DEFAULT,
            description = "Copy objects above this size in parts (UploadPartCopy); at most 5 GiB (default: ${DEFAULT-VALUE}).")
    long multipartThreshold;

    @Option(names = "--part-size", paramLabel = "BYTES", defaultValue = "" + S3ObjectCopier.PART_SIZE_DEFAULT,
            description = "Part size of multipart copies, at least 5 MiB (default: ${DEFAULT-VALUE}).")
    long partSize;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Config whose dataset profile lists the expected folders (history.expectedFolders); optional.")
    Optional<Path> config;

    @Option(names = "--dataset", paramLabel = "NAME", defaultValue = ZoneOptions.DATASET_DEFAULT,
            description = "Dataset profile, with --config (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the outcome as JSON to FILE.")
    Optional<Path> report;

    @Option(names = "--verbose", description = "Show Spark's own logs.")
    boolean verbose;

    @Override
    public Integer call() {
        CopyHistory.Options options = options();
        Optional<SluiceConfig> loaded = config.map(ConfigLoader::load);
        Map<String, String> sparkSettings = loaded.map(SluiceConfig::sparkSettings).orElse(Map.of());
        List<String> expected = loaded.map(c -> c.dataset(dataset)).flatMap(p -> p.historyLayout())
                .map(History::expandedExpectedFolders).orElse(List.of());
        // The session only supplies the Hadoop settings (s3a endpoints, regions) that spark-submit and the platform set.
        Sluice root = (Sluice) spec.root().userObject();
        SparkSession spark = root.session(new SessionSettings("sluice backfill-history copy", sparkSettings,
                verbose));
        Configuration conf = spark.sessionState().newHadoopConf();
        int connections = concurrency + concurrency / 4 + 4;
        CopyResult result;
        try (S3Client source = S3Clients.create(S3ClientSettings.of(conf, options.from().bucket()), connections);
             S3Client target = S3Clients.create(S3ClientSettings.of(conf, options.to().bucket()), connections)) {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("backfill-history copy: %s -> %s, %d in flight%n", options.from(), options.to(), concurrency);
            out.flush();
            result = new CopyHistory(source, target, new CopyHistory.Options(options.from(), options.to(),
                    options.folders(), expected, concurrency, multipartThreshold, partSize), root.clock(),
                    line -> {
                        out.println("  " + line);
                        out.flush();
                    }).execute();
            print(out, result);
        }
        report.ifPresent(file -> ReportFile.write(file, json(result)));
        return result.complete() ? 0 : Sluice.EXIT_FAILED;
    }

    private CopyHistory.Options options() {
        S3Location source = location("--from", from);
        S3Location target = location("--to", to);
        if (source.bucket().equals(target.bucket()) && (source.prefix().startsWith(target.prefix())
                || target.prefix().startsWith(source.prefix()))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--from " + from + " and --to " + to
                    + " overlap; copy into a prefix outside the source");
        }
        if (concurrency < 1 || concurrency > 1024) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--concurrency must be between 1 and 1024, got "
                    + concurrency);
        }
        if (multipartThreshold < 1 || multipartThreshold > S3ObjectCopier.MULTIPART_THRESHOLD_DEFAULT) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--multipart-threshold must be between 1 and "
                    + S3ObjectCopier.MULTIPART_THRESHOLD_DEFAULT + " bytes (5 GiB, CopyObject's limit), got "
                    + multipartThreshold);
        }
        if (partSize < S3ObjectCopier.MIN_PART_SIZE || partSize > S3ObjectCopier.MULTIPART_THRESHOLD_DEFAULT) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--part-size must be between "
                    + S3ObjectCopier.MIN_PART_SIZE + " (5 MiB) and 5 GiB, got " + partSize);
        }
        for (String folder : folders) {
            if (folder.isBlank() || folder.contains("/")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--folders: '" + folder
                        + "' is not a top-level folder name; give names like A,B without slashes");
            }
        }
        return new CopyHistory.Options(source, target, folders, List.of(), concurrency, multipartThreshold, partSize);
    }

    private S3Location location(String option, String uri) {
        if (!S3Location.isS3(uri)) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " " + uri + " is not on S3; give"
                    + " s3://bucket/prefix (or s3a://)");
        }
        return S3Location.parse(uri);
    }

    private static void print(PrintWriter out, CopyResult result) {
        out.printf("copied %d, already there %d, failed %d of %d objects (%d bytes) in %d folder(s), %.1f s%n",
                result.copied(), result.skipped(), result.failed(), result.sourceObjects(), result.sourceBytes(),
                result.folders().size(), result.duration().toMillis() / 1000.0);
        for (FolderCopy folder : result.folders()) {
            folder.problems().forEach(problem -> out.println("problem: " + folder.label() + ": " + problem));
        }
        if (!result.missingAtSource().isEmpty()) {
            out.println("missing: " + result.missingAtSource().size() + " expected folder(s) are not at the source: "
                    + String.join(", ", result.missingAtSource()));
        }
        out.println(result.complete() ? "complete: every folder is at the target with the source's count and bytes"
                : "INCOMPLETE: run the same command again to retry what did not copy; see the problems above");
        out.flush();
    }

    private static ObjectNode json(CopyResult result) {
        ObjectNode root = ReportFile.JSON.createObjectNode();
        root.put("command", "backfill-history copy");
        root.put("from", result.from());
        root.put("to", result.to());
        root.put("complete", result.complete());
        root.put("copied", result.copied());
        root.put("skipped", result.skipped());
        root.put("failed", result.failed());
        root.put("durationMs", result.duration().toMillis());
        root.set("missingAtSource", ReportFile.JSON.valueToTree(result.missingAtSource()));
        ArrayNode folders = root.putArray("folders");
        result.folders().forEach(folder -> {
            ObjectNode node = ReportFile.JSON.valueToTree(folder);
            node.put("complete", folder.complete());
            folders.add(node);
        });
        return root;
    }
}
