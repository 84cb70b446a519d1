package io.sluice.cli;

import io.sluice.config.ConfigLoader;
import io.sluice.config.DatasetProfile;
import io.sluice.config.SluiceConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/** Options every data command shares: the config, zone overrides, the dataset, the report and verbosity. */
public final class ZoneOptions {
    /** Default of {@code --config}. */
    public static final String CONFIG_DEFAULT = "conf/local.yaml";
    /** Default of {@code --dataset}. */
    public static final String DATASET_DEFAULT = "events";

    @Option(names = "--config", paramLabel = "FILE", defaultValue = CONFIG_DEFAULT,
            description = "YAML config: zones, Spark settings, dataset profiles; a local path or a URI such as"
                    + " s3://bucket/sluice/emr.yaml or dbfs:/sluice/databricks.yaml (default: ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--landing", paramLabel = "URI", description = "Landing zone root; overrides the config.")
    Optional<String> landing;

    @Option(names = "--stage", paramLabel = "URI", description = "Stage zone root; overrides the config.")
    Optional<String> stage;

    @Option(names = "--trusted", paramLabel = "URI", description = "Trusted zone root; overrides the config.")
    Optional<String> trusted;

    @Option(names = "--quarantine", paramLabel = "URI", description = "Quarantine zone root; overrides the config.")
    Optional<String> quarantine;

    @Option(names = "--gold", paramLabel = "URI",
            description = "Gold zone root (publish's tables); overrides the config. Default: gold beside the trusted zone.")
    Optional<String> gold;

    @Option(names = "--dataset", paramLabel = "NAME", defaultValue = DATASET_DEFAULT,
            description = "Dataset profile from the config (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the run report as JSON to FILE.")
    Optional<Path> report;

    @Option(names = "--verbose", description = "Show Spark's own logs and stack traces.")
    boolean verbose;

    /** The config with the zone overrides applied, validated. */
    SluiceConfig load() {
        return ConfigLoader.load(config, zones -> zones.override(landing, stage, trusted, quarantine, gold));
    }

    DatasetProfile profile(SluiceConfig loaded) {
        return loaded.dataset(dataset);
    }
}
