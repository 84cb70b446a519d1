package io.sluice.lake;

import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

import java.util.function.Supplier;

/** Labels the Spark jobs of one step, so the Spark UI shows where the time goes; the previous label comes back after. */
public final class JobLabels {
    private static final String DESCRIPTION = "spark.job.description";

    private JobLabels() {
    }

    /** Runs {@code work} with its jobs described as {@code label}. */
    public static <T> T labelled(SparkSession spark, String label, Supplier<T> work) {
        SparkContext context = spark.sparkContext();
        String before = context.getLocalProperty(DESCRIPTION);
        context.setJobDescription(label);
        try {
            return work.get();
        } finally {
            context.setLocalProperty(DESCRIPTION, before);
        }
    }
}
