package io.sluice;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The Spark jobs a piece of work starts: the way to show that an answer came without reading a table. */
public final class SparkJobs {
    /** Work that may throw, as test code does. */
    @FunctionalInterface
    public interface Work {
        void run() throws Exception;
    }

    private SparkJobs() {
    }

    /** Runs {@code work} and returns how many Spark jobs started on {@code spark}'s context meanwhile. */
    public static int startedDuring(SparkSession spark, Work work) throws Exception {
        return describedDuring(spark, work).size();
    }

    /** Runs {@code work} and returns the description of each Spark job started meanwhile ("" for none). */
    public static List<String> describedDuring(SparkSession spark, Work work) throws Exception {
        List<String> jobs = new CopyOnWriteArrayList<>();
        SparkListener counter = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart jobStart) {
                jobs.add(jobStart.properties() == null ? ""
                        : jobStart.properties().getProperty("spark.job.description", ""));
            }
        };
        spark.sparkContext().addSparkListener(counter);
        try {
            work.run();
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            spark.sparkContext().removeSparkListener(counter);
        }
        return List.copyOf(jobs);
    }
}
