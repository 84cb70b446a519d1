package io.sluice.plan;

import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * A Databricks job cluster: no YARN; the driver runs on a node of its own, and Databricks starts one executor per
 * worker that takes all of the worker's cores and the memory the runtime leaves it. What is left to choose is the
 * node type, the workers and the parallelism.
 *
 * @param type worker and driver node type
 * @param nodes workers, {@code num_workers}
 * @param coresPerWorker cores of a worker's executor: all of the node's vCPUs
 * @param parallelism {@code spark.default.parallelism} and {@code spark.sql.shuffle.partitions}: two tasks per core
 */
public record DatabricksSizing(InstanceType type, int nodes, int coresPerWorker, int parallelism)
        implements ClusterSizing {

    public DatabricksSizing {
        requireNonNull(type, "type is null");
    }

    /** Sizes a job cluster of {@code workers} workers of {@code type}. */
    public static DatabricksSizing of(InstanceType type, int workers) {
        requireNonNull(type, "type is null");
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be positive, got " + workers);
        }
        return new DatabricksSizing(type, workers, type.vcpus(), 2 * workers * type.vcpus());
    }

    /** Task slots of the cluster: the workers' cores. */
    public int taskSlots() {
        return nodes * coresPerWorker;
    }

    @Override
    public ExecutorSizing.Fit fits() {
        // The driver has its own node, so every worker runs an executor: any positive number of workers fits.
        return new ExecutorSizing.Fit(true, nodes + " executor(s), one per worker, with " + taskSlots()
                + " task slots; the driver on its own " + type.name() + " node");
    }

    @Override
    public Map<String, String> sparkProperties() {
        return ExecutorSizing.parallelismProperties(parallelism);
    }

    @Override
    public String describe() {
        return String.format("%d x %s workers (%d vCPU, %s GiB) + a %s driver node: one executor per worker with"
                        + " %d cores, %d task slots, parallelism %d",
                nodes, type.name(), type.vcpus(), gib(type.memoryGiB()), type.name(), coresPerWorker, taskSlots(),
                parallelism);
    }

    private static String gib(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
