package io.sluice.cli;

import java.util.Map;

/**
 * What the entry point needs to open the Spark session.
 *
 * @param appName application name shown in the Spark UI, EMR and Databricks
 * @param defaults Spark settings from the config, applied only where the platform set none
 * @param verbose show Spark's own INFO logs
 */
public record SessionSettings(String appName, Map<String, String> defaults, boolean verbose) {
}
