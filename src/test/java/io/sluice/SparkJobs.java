package io.sluice;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts the Spark jobs a piece of work starts: the way to show that an answer came without reading a table. */
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
        AtomicInteger jobs = new AtomicInteger();
        SparkListener counter = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart jobStart) {
                jobs.incrementAndGet();
            }
        };
        spark.sparkContext().addSparkListener(counter);
        try {
            work.run();
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            spark.sparkContext().removeSparkListener(counter);
        }
        return jobs.get();
    }
}
