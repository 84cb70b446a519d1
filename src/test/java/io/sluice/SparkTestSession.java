package io.sluice;

import io.sluice.storage.LocalFileSystemWithoutForks;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.sql.SparkSession;

/**
 * The one local Spark session of the test JVM, shared by every test class. Its queries run interpreted, as Spark's
 * own suites can ({@code spark.sql.codegen.factoryMode} is the setting Spark keeps for tests): the fixtures hold a
 * few rows, so compiling each new query's generated code took longer than running it ({@code PublishTest} alone
 * 166 s with code generation, 120 s without). The jar run by {@code FatJarSubmitIT} and the benchmark keep Spark's
 * code generation.
 */
public final class SparkTestSession {
    private static SparkSession session;

    private SparkTestSession() {
    }

    public static synchronized SparkSession get() {
        if (session == null) {
            session = builder("sluice-tests").getOrCreate();
        }
        return session;
    }

    /** The settings of the shared session, for a test that needs a session of its own (a Hive-enabled one). */
    public static SparkSession.Builder builder(String appName) {
        Configurator.setRootLevel(Level.WARN);
        return SparkSession.builder()
                .master("local[2]")
                .appName(appName)
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.default.parallelism", "2")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
                .config("spark.databricks.delta.snapshotPartitions", "2")
                .config("spark.sql.codegen.wholeStage", "false")
                .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
                .config("spark.hadoop.fs.file.impl", LocalFileSystemWithoutForks.class.getName())
                .config("spark.hadoop.fs.AbstractFileSystem.file.impl",
                        LocalFileSystemWithoutForks.Context.class.getName());
    }
}
