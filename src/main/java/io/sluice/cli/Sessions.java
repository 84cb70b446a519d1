package io.sluice.cli;

import io.sluice.storage.LocalFileSystemWithoutForks;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
import java.util.Map;

/** Opens the one SparkSession of a run; settings from spark-submit, EMR or Databricks always win. */
final class Sessions {
    private static final Map<String, String> REQUIRED = Map.of(
            "spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension",
            "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");

    private static final String LOCAL_FILE_SYSTEM = "spark.hadoop.fs.file.impl";
    private static final String LOCAL_FILE_CONTEXT = "spark.hadoop.fs.AbstractFileSystem.file.impl";
    /**
     * Delta's copy of a small table's whole file list into each commit's checksum file: on a new table it builds the
     * empty state with a Spark query, about a second of a parse's three commits (stage, quarantine, ledger) in a JVM
     * that has not run such a query yet. Without it a snapshot is read from the log, as for any larger table.
     * Off unless the platform sets it.
     */
    private static final Map<String, String> TUNED = Map.of("spark.databricks.delta.allFilesInCrc.enabled", "false");

    private Sessions() {
    }

    static SparkSession open(SessionSettings settings) {
        if (!settings.verbose()) {
            quietSparkLogs();
        }
        SparkConf platform = new SparkConf();
        Map<String, String> defaults = new LinkedHashMap<>(REQUIRED);
        defaults.putAll(TUNED);
        defaults.putAll(settings.defaults());
        if (!platform.contains("spark.master")) {
            defaults.putIfAbsent("spark.master", "local[*]");
        }
        if (defaults.getOrDefault("spark.master", platform.get("spark.master", "")).startsWith("local")) {
            // Local runs write their zones to file: paths; see LocalFileSystemWithoutForks for why.
            defaults.putIfAbsent(LOCAL_FILE_SYSTEM, LocalFileSystemWithoutForks.class.getName());
            defaults.putIfAbsent(LOCAL_FILE_CONTEXT, LocalFileSystemWithoutForks.Context.class.getName());
        }
        SparkSession.Builder builder = SparkSession.builder().appName(settings.appName());
        defaults.forEach((key, value) -> {
            if (!platform.contains(key)) {
                builder.config(key, value);
            }
        });
        return builder.getOrCreate();
    }

    /** Keeps Spark's, Hadoop's and Delta's INFO chatter off the terminal. */
    static void quietSparkLogs() {
        Configurator.setRootLevel(Level.WARN);
        for (String noisy : new String[] {"org.apache.hadoop.util.NativeCodeLoader",
                "org.apache.spark.util.Utils", "org.apache.spark.sql.catalyst.util.SparkStringUtils",
                "org.apache.hadoop.metrics2", "org.apache.spark.network.util.JavaUtils"}) {
            Configurator.setLevel(noisy, Level.ERROR);
        }
    }
}
