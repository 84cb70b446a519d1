package io.sluice.cli;

import io.sluice.config.ConfigException;
import io.sluice.config.DatasetProfile;
import io.sluice.config.History;
import io.sluice.config.SluiceConfig;
import io.sluice.plan.BackfillPlan;
import io.sluice.plan.ClusterLocations;
import io.sluice.plan.ClusterSizing;
import io.sluice.plan.DatabricksPlan;
import io.sluice.plan.DatabricksSizing;
import io.sluice.plan.EmrPlan;
import io.sluice.plan.ExecutorSizing;
import io.sluice.plan.FolderScan;
import io.sluice.plan.InstanceCatalog;
import io.sluice.plan.InstanceType;
import io.sluice.plan.LocalPlan;
import io.sluice.plan.Platform;
import io.sluice.storage.Storages;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/** {@code sluice backfill-history plan}: sizes the executors, lists the history and writes a plan to submit as is. */
@Command(name = "plan", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "List the history folders under --source, size the executors for the cluster, and write into"
                + " --out the files that run one backfill per folder on EMR, Databricks or this machine.")
final class BackfillPlanCommand implements Callable<Integer> {
    /** Default of {@code --jar} on EMR: a placeholder the user must replace with the uploaded jar. */
    static final String JAR_DEFAULT = "s3://CHANGE-ME/sluice.jar";
    /** Default of {@code --jar} on Databricks: a placeholder in a Unity Catalog volume. */
    static final String DATABRICKS_JAR_DEFAULT = "/Volumes/CHANGE-ME/sluice/jars/sluice.jar";
    /** How many folders the summary names before it only counts. */
    private static final int LISTED = 10;

    @CommandLine.Mixin
    ZoneOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--source", required = true, paramLabel = "URI",
            description = "Root of the history; its top-level folders are the units of work. Listed from here.")
    String source;

    @Option(names = "--cluster-source", paramLabel = "URI",
            description = "The history's root as the cluster reads it (emr, databricks; default: the --source value).")
    Optional<String> clusterSource;

    @Option(names = "--platform", required = true, paramLabel = "PLATFORM",
            description = "Where the plan runs: ${COMPLETION-CANDIDATES}.")
    Platform platform;

    @Option(names = "--instance-type", paramLabel = "TYPE",
            description = "EMR instance type or Databricks node type of the worker nodes (emr, databricks).")
    String instanceType;

    @Option(names = "--nodes", paramLabel = "N", description = "Worker nodes per cluster (emr, databricks).")
    Integer nodes;

    @Option(names = "--clusters", paramLabel = "N", defaultValue = "1",
            description = "Clusters the folders are spread over, round-robin (default: ${DEFAULT-VALUE}).")
    int clusters;

    @Option(names = "--vcpus", paramLabel = "N", description = "vCPUs of a node, for a type the catalog lacks.")
    Integer vcpus;

    @Option(names = "--memory-gib", paramLabel = "GIB", description = "Memory of a node, for a type the catalog lacks.")
    Double memoryGib;

    @Option(names = "--jar", paramLabel = "URI",
            description = "The Sluice jar as the cluster reads it (default: a placeholder, " + JAR_DEFAULT + " on emr, "
                    + DATABRICKS_JAR_DEFAULT + " on databricks).")
    String jar;

    @Option(names = "--run-config", paramLabel = "URI",
            description = "The config as the cluster reads it (default: the --config value).")
    Optional<String> runConfig;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory the plan files go to.")
    Path out;

    @Override
    public Integer call() {
        validate();
        SluiceConfig config = options.load();
        DatasetProfile profile = options.profile(config);
        History history = profile.historyLayout().orElseThrow(() -> new ConfigException(options.config
                + ": datasets." + options.dataset + ".history is missing; give folderPattern, expectedFolders and"
                + " documentsUnder to plan a backfill of " + options.dataset));
        Optional<ClusterSizing> sizing = sizing();
        String jarUri = jar != null ? jar : platform == Platform.DATABRICKS ? DATABRICKS_JAR_DEFAULT : JAR_DEFAULT;
        String runSource = clusterSource.orElse(source);
        String runConfigUri = runConfig.orElse(options.config);
        requireClusterReadable(runSource, runConfigUri, jarUri);
        FolderScan scan = FolderScan.of(Storages.open(new Configuration(), point -> { }), source, history);
        if (scan.found().isEmpty()) {
            throw new ConfigException("no folder under --source " + source + " matches datasets." + options.dataset
                    + ".history.folderPattern '" + history.folderPattern() + "'; found " + scan.anomalies().size()
                    + " other entries" + sample(scan.anomalies()));
        }
        BackfillPlan plan = new BackfillPlan(options.dataset, runSource, runConfigUri, jarUri, scan.found(), clusters);
        List<Path> written = switch (platform) {
            case EMR -> new EmrPlan(plan, (ExecutorSizing) sizing.orElseThrow()).write(out);
            case DATABRICKS -> new DatabricksPlan(plan, (DatabricksSizing) sizing.orElseThrow()).write(out);
            case LOCAL -> new LocalPlan(plan, LocalPlan.Machine.current()).write(out);
        };
        print(spec.commandLine().getOut(), scan, sizing, written, jarUri);
        options.report.ifPresent(file -> PlanReport.write(file, platform, plan, scan, sizing, written));
        return 0;
    }

    private void validate() {
        if (platform != Platform.LOCAL) {
            String name = platform.name().toLowerCase(java.util.Locale.ROOT);
            if (instanceType == null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--instance-type is required with --platform " + name);
            }
            if (nodes == null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--nodes is required with --platform " + name);
            }
        }
        if (nodes != null && nodes < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nodes must be at least 1, got " + nodes);
        }
        if (clusters < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--clusters must be at least 1, got " + clusters);
        }
    }

    /** Refuses, before anything is written, a step or task that would carry a path of this machine. */
    private void requireClusterReadable(String runSource, String runConfigUri, String jarUri) {
        if (platform == Platform.LOCAL) {
            return;
        }
        boolean databricks = platform == Platform.DATABRICKS;
        String sourceOption = clusterSource.isPresent() ? "--cluster-source" : "--source";
        ClusterLocations.requireReadable(platform, sourceOption, runSource,
                "pass --cluster-source with the history's root",
                databricks ? "s3://bucket/history or /Volumes/main/sluice/history" : "s3://bucket/history");
        String configOption = runConfig.isPresent() ? "--run-config" : "--config";
        ClusterLocations.requireReadable(platform, configOption, runConfigUri,
                "upload the config and pass --run-config with its location",
                databricks ? "/Workspace/sluice/databricks.yaml" : "s3://bucket/conf/emr.yaml");
        ClusterLocations.requireReadable(platform, "--jar", jarUri, "upload the jar and pass --jar with its location",
                databricks ? "/Volumes/main/sluice/jars/sluice.jar" : "s3://bucket/sluice.jar");
        if (databricks) {
            ClusterLocations.requireDatabricksLibrary(jarUri);
        }
    }

    private Optional<ClusterSizing> sizing() {
        if (platform == Platform.LOCAL) {
            return Optional.empty();
        }
        InstanceType type = InstanceCatalog.standard().resolve(instanceType,
                vcpus == null ? OptionalInt.empty() : OptionalInt.of(vcpus),
                memoryGib == null ? OptionalDouble.empty() : OptionalDouble.of(memoryGib));
        ClusterSizing sizing = platform == Platform.DATABRICKS ? DatabricksSizing.of(type, nodes)
                : ExecutorSizing.of(type, nodes);
        ExecutorSizing.Fit fit = sizing.fits();
        if (!fit.fits()) {
            throw new ConfigException("the cluster is too small: " + fit.message());
        }
        return Optional.of(sizing);
    }

    private void print(PrintWriter printer, FolderScan scan, Optional<ClusterSizing> sizing, List<Path> written,
                       String jarUri) {
        printer.printf("backfill-history plan: dataset %s, platform %s, %d cluster(s)%n", options.dataset,
                platform.name().toLowerCase(java.util.Locale.ROOT), clusters);
        sizing.ifPresent(s -> {
            printer.println("sizing:    " + s.describe());
            printer.println("fits:      " + s.fits().message());
            if (platform == Platform.EMR && s.type().memorySource() != InstanceType.MemorySource.EMR_DOCS) {
                printer.println("note:      " + s.type().name() + "'s " + s.type().yarnMemoryMb() + " MB for containers"
                        + " is an estimate, not EMR's published default; check yarn.nodemanager.resource.memory-mb"
                        + " on a node");
            }
        });
        printer.println("found:     " + scan.found().size() + " folder(s)" + sample(scan.found()));
        printer.println("missing:   " + scan.missing().size() + " expected folder(s)" + sample(scan.missing()));
        printer.println("anomalies: " + scan.anomalies().size() + " entr(y/ies)" + sample(scan.anomalies()));
        written.forEach(file -> printer.println("wrote:     " + file));
        if (jar == null && platform != Platform.LOCAL) {
            printer.println("note:      the plan points at " + jarUri + "; pass --jar with the uploaded jar");
        }
        printer.flush();
    }

    private static String sample(List<String> names) {
        if (names.isEmpty()) {
            return "";
        }
        String shown = String.join(", ", names.subList(0, Math.min(LISTED, names.size())));
        return ": " + shown + (names.size() > LISTED ? ", ..." : "");
    }
}
