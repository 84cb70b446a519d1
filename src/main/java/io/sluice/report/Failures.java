package io.sluice.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** How a failure reads to the user: its chain of causes, and the first line of each. */
public final class Failures {
    private static final int MAX_DEPTH = 32;

    private Failures() {
    }

    /** The failure and its causes, at most {@value #MAX_DEPTH} deep: a cyclic chain ends. */
    public static List<Throwable> chain(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && chain.size() < MAX_DEPTH && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /**
     * Whether a concurrent commit to the same Delta table made this one fail (Delta's conflict exceptions): the
     * table is unchanged by the failed commit, and the work may be done again on the new version.
     */
    public static boolean concurrentCommit(Throwable failure) {
        return chain(failure).stream().anyMatch(java.util.ConcurrentModificationException.class::isInstance);
    }

    /**
     * The first line of the failure's message and of each distinct cause, joined by {@code separator}: the root
     * cause is never hidden, and Spark's analysis errors lose the plan they append after the first line.
     */
    public static String describe(Throwable failure, String separator) {
        StringBuilder text = new StringBuilder(firstLine(failure.getMessage()));
        for (Throwable cause : chain(failure).subList(1, chain(failure).size())) {
            String message = firstLine(cause.getMessage());
            if (!message.isEmpty() && !text.toString().contains(message)) {
                text.append(separator).append(cause.getClass().getSimpleName()).append(": ").append(message);
            }
        }
        return text.toString();
    }

    /**
     * What a fatal condition of the machine or the cluster is called, and which setting changes it: out of
     * memory, a lost executor, a full disk, or Spark stopped under the step (in local mode, what an out-of-memory
     * error on a task thread leaves behind). Empty for any other failure.
     *
     * @param step the command or step that was running, named in the explanation
     * @param sparkStopped whether the Spark context had stopped when the failure reached the entry point
     */
    public static Optional<String> fatalCondition(Throwable failure, String step, boolean sparkStopped) {
        List<Throwable> chain = chain(failure);
        String text = String.join("\n", chain.stream().map(t -> t.getClass().getName() + ": " + t.getMessage())
                .toList());
        if (chain.stream().anyMatch(OutOfMemoryError.class::isInstance) || text.contains("OutOfMemoryError")
                || text.contains("Java heap space") || text.contains("GC overhead limit exceeded")) {
            return Optional.of(step + " ran out of memory (java.lang.OutOfMemoryError)" + where(text) + ". Give it"
                    + " more: locally SLUICE_DRIVER_MEMORY=8g (the local runner's heap); on a cluster"
                    + " spark.executor.memory and spark.driver.memory (EMR step or Databricks cluster); or smaller"
                    + " batches (parse --max-files / --max-bytes)");
        }
        if (text.contains("No space left on device")) {
            return Optional.of(step + " stopped: a disk is full (No space left on device)" + where(text) + ". Free"
                    + " space on the volume of spark.local.dir (shuffle and spill files; /tmp by default) or point"
                    + " spark.local.dir at a larger volume; on a cluster, larger instance storage or EBS volumes");
        }
        if (text.contains("ExecutorLostFailure") || text.contains("Executor heartbeat timed out")
                || text.contains("killed by YARN") || text.contains("exceeding memory limits")
                || text.contains("Container killed")) {
            return Optional.of(step + " lost an executor (ExecutorLostFailure), most often killed for using more"
                    + " memory than its container allows. Raise spark.executor.memoryOverhead or"
                    + " spark.executor.memory, or use fewer cores per executor (spark.executor.cores); a spot"
                    + " instance taken back loses executors too: see the cluster's events");
        }
        if (sparkStopped || text.contains("RpcEndpointRef") || text.contains("stopped SparkContext")
                || text.contains("SparkContext was shut down")) {
            return Optional.of("Spark stopped while " + step + " was running, most often because the JVM ran out of"
                    + " memory (the log above then shows java.lang.OutOfMemoryError). Give it more: locally"
                    + " SLUICE_DRIVER_MEMORY=8g; on a cluster spark.driver.memory and spark.executor.memory");
        }
        return Optional.empty();
    }

    /** " while parsing landing file F after line L" and ", in stage N (task T)" when the messages name them. */
    private static String where(String text) {
        java.util.regex.Matcher file = java.util.regex.Pattern.compile("(while parsing landing file .+? after line [0-9]+)")
                .matcher(text);
        java.util.regex.Matcher stage = java.util.regex.Pattern.compile("(task [0-9.]+ in stage [0-9.]+)").matcher(text);
        return (file.find() ? " " + file.group(1) : "") + (stage.find() ? " in " + stage.group(1) : "");
    }

    static String firstLine(String message) {
        return Optional.ofNullable(message).flatMap(m -> m.lines().findFirst()).orElse("").strip();
    }
}
