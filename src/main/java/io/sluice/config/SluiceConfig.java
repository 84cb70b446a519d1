package io.sluice.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole configuration of a run, loaded from YAML by {@link ConfigLoader} and validated before Spark starts.
 *
 * @param zones roots of landing, stage, trusted and quarantine
 * @param spark Spark settings applied when the platform (spark-submit, EMR, Databricks) has not set them
 * @param parse settings of the {@code parse} step
 * @param distribute settings of the {@code distribute} and {@code repartition} steps
 * @param maintain settings of {@code maintain}: table upkeep
 * @param datasets dataset profiles by name
 */
public record SluiceConfig(
        Zones zones,
        LinkedHashMap<String, String> spark,
        ParseSettings parse,
        DistributeSettings distribute,
        MaintainSettings maintain,
        LinkedHashMap<String, DatasetProfile> datasets) {

    public SluiceConfig {
        spark = spark == null ? new LinkedHashMap<>() : spark;
        parse = parse == null ? new ParseSettings(null, null) : parse;
        distribute = distribute == null ? new DistributeSettings(null, null, null, null) : distribute;
        maintain = maintain == null ? new MaintainSettings(null) : maintain;
        datasets = datasets == null ? new LinkedHashMap<>() : datasets;
    }

    /** The profile named {@code name}, or a {@link ConfigException} listing the known ones. */
    public DatasetProfile dataset(String name) {
        DatasetProfile profile = datasets.get(name);
        if (profile == null) {
            throw new ConfigException("dataset '" + name + "' is not defined in the config; known datasets: "
                    + datasets.keySet() + " (add it under 'datasets:' or pass --dataset with one of these)");
        }
        return profile;
    }

    public SluiceConfig withZones(Zones newZones) {
        return new SluiceConfig(newZones, spark, parse, distribute, maintain, datasets);
    }

    public Map<String, String> sparkSettings() {
        return spark;
    }

    void validate(String source) {
        if (zones == null) {
            throw new ConfigException(source + ": 'zones' is missing; give landing, stage, trusted and quarantine");
        }
        zones.validate(source);
        parse.validate(source);
        distribute.validate(source);
        maintain.validate(source);
        datasets.forEach((name, profile) -> {
            if (profile == null) {
                throw new ConfigException(source + ": datasets." + name + " is empty");
            }
            profile.validate(source, name);
        });
    }
}
