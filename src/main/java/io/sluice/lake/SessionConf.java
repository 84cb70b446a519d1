package io.sluice.lake;

import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Session settings that one write needs, set for the write and then put back as they were: a value that
 * spark-submit, EMR or a Databricks cluster set is restored, never wiped; a key that was absent is absent again.
 */
public final class SessionConf {
    private SessionConf() {
    }

    /** Runs {@code action} with {@code settings} in force on {@code spark}'s session, restoring them after. */
    public static <T> T with(SparkSession spark, Map<String, String> settings, Supplier<T> action) {
        RuntimeConfig conf = spark.conf();
        Map<String, Optional<String>> before = new LinkedHashMap<>();
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            before.put(setting.getKey(), current(spark, setting.getKey()));
            conf.set(setting.getKey(), setting.getValue());
        }
        try {
            return action.get();
        } finally {
            before.forEach((key, value) -> {
                if (value.isPresent()) {
                    conf.set(key, value.get());
                } else {
                    conf.unset(key);
                }
            });
        }
    }

    /** As {@link #with(SparkSession, Map, Supplier)}, for an action without a result. */
    public static void run(SparkSession spark, Map<String, String> settings, Runnable action) {
        with(spark, settings, () -> {
            action.run();
            return null;
        });
    }

    /** The value set explicitly in the session, if any: a default stays a default after the restore. */
    private static Optional<String> current(SparkSession spark, String key) {
        return spark.sessionState().conf().contains(key) ? Optional.of(spark.conf().get(key)) : Optional.empty();
    }
}
