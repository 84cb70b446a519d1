package io.sluice.plan;

import java.util.LinkedHashMap;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Executors for an EMR cluster of identical nodes under YARN: five cores each, one core per node left to the OS and
 * the node manager, {@value #HEADROOM_PERCENT}% of each node's container memory left free for other containers,
 * the rest split evenly, and one executor slot given to the driver (cluster mode: the driver is the application
 * master's container).
 *
 * @param type the nodes' instance type
 * @param nodes worker nodes (EMR core nodes, Databricks workers)
 * @param executorCores cores of one executor, {@code spark.executor.cores}
 * @param executorsPerNode executors one node holds
 * @param heapMb {@code spark.executor.memory}, MB
 * @param overheadMb {@code spark.executor.memoryOverhead}, MB
 * @param instances {@code spark.executor.instances}: every slot but the driver's
 * @param parallelism {@code spark.default.parallelism} and {@code spark.sql.shuffle.partitions}
 */
public record ExecutorSizing(InstanceType type, int nodes, int executorCores, int executorsPerNode, int heapMb,
                             int overheadMb, int instances, int parallelism) implements ClusterSizing {
    /** Cores per executor: more starves HDFS/S3 client threads, fewer wastes memory on per-JVM overhead. */
    public static final int CORES_PER_EXECUTOR = 5;
    /** Percent of an executor's container that is heap; the rest is overhead (off-heap, netty, JVM). */
    public static final int HEAP_PERCENT = 90;
    /**
     * YARN rounds every container request up to a multiple of {@code yarn.scheduler.minimum-allocation-mb}
     * (32 on EMR); a container size that is not a multiple would be rounded past the node's memory.
     */
    public static final int YARN_ALLOCATION_MB = 32;
    /**
     * Percent of each node's YARN memory no executor takes: room for another step's application master, a YARN
     * service container, and a node whose real {@code yarn.nodemanager.resource.memory-mb} is a little below the
     * catalog's. Without it a single extra container leaves an executor pending for the whole run.
     */
    public static final int HEADROOM_PERCENT = 10;

    public ExecutorSizing {
        requireNonNull(type, "type is null");
    }

    /** Sizes executors for {@code nodes} nodes of {@code type}. */
    public static ExecutorSizing of(InstanceType type, int nodes) {
        requireNonNull(type, "type is null");
        if (nodes < 1) {
            throw new IllegalArgumentException("nodes must be positive, got " + nodes);
        }
        int usableCores = Math.max(1, type.vcpus() - 1);
        int cores = Math.min(CORES_PER_EXECUTOR, usableCores);
        int perNode = Math.max(1, usableCores / CORES_PER_EXECUTOR);
        int containerMb = usableMemoryMb(type) / perNode / YARN_ALLOCATION_MB * YARN_ALLOCATION_MB;
        int heap = containerMb * HEAP_PERCENT / 100;
        int instances = perNode * nodes - 1;
        return new ExecutorSizing(type, nodes, cores, perNode, heap, containerMb - heap, instances,
                2 * cores * instances);
    }

    /** The memory of one node that executors may take: all but the headroom, MB. */
    static int usableMemoryMb(InstanceType type) {
        return (int) ((long) type.yarnMemoryMb() * (100 - HEADROOM_PERCENT) / 100);
    }

    /** Memory of one executor's YARN container, MB. */
    public int containerMb() {
        return heapMb + overheadMb;
    }

    /** Whether the executors and the driver fit the nodes, and why not. */
    @Override
    public Fit fits() {
        long slots = instances + 1L;
        long requestedMb = slots * containerMb();
        long offeredMb = (long) nodes * type.yarnMemoryMb();
        long requestedCores = slots * executorCores;
        long offeredCores = (long) nodes * Math.max(1, type.vcpus() - 1);
        if (instances < 1) {
            return new Fit(false, nodes + " x " + type.name() + " hold " + slots + " executor slot(s), all taken by"
                    + " the driver; use more --nodes or a larger --instance-type");
        }
        if ((long) executorsPerNode * containerMb() > usableMemoryMb(type)) {
            return new Fit(false, executorsPerNode + " containers of " + containerMb() + " MB overflow the "
                    + usableMemoryMb(type) + " MB a " + type.name() + " offers below the headroom");
        }
        if (requestedMb > offeredMb) {
            return new Fit(false, "executors and driver need " + requestedMb + " MB, " + nodes + " x " + type.name()
                    + " offer " + offeredMb + " MB");
        }
        if (requestedCores > offeredCores) {
            return new Fit(false, "executors and driver need " + requestedCores + " cores, " + nodes + " x "
                    + type.name() + " offer " + offeredCores);
        }
        return new Fit(true, instances + " executors + driver use " + requestedMb + " of " + offeredMb + " MB ("
                + (offeredMb - requestedMb) + " MB left for other containers) and " + requestedCores + " of "
                + offeredCores + " cores");
    }

    /** The Spark settings of this sizing, as {@code spark-defaults} wants them: every value a string. */
    @Override
    public Map<String, String> sparkProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        // A fixed number of executors: dynamic allocation (on by default on EMR) would ignore the sizing.
        properties.put("spark.dynamicAllocation.enabled", "false");
        properties.put("spark.executor.instances", Integer.toString(instances));
        properties.put("spark.executor.cores", Integer.toString(executorCores));
        properties.put("spark.executor.memory", heapMb + "m");
        properties.put("spark.executor.memoryOverhead", overheadMb + "m");
        properties.put("spark.driver.cores", Integer.toString(executorCores));
        properties.put("spark.driver.memory", heapMb + "m");
        properties.put("spark.driver.memoryOverhead", overheadMb + "m");
        properties.putAll(parallelismProperties());
        return properties;
    }

    /** Only the parallelism settings: what a platform that places executors itself still honours. */
    public Map<String, String> parallelismProperties() {
        return parallelismProperties(parallelism);
    }

    /** {@code spark.default.parallelism} and {@code spark.sql.shuffle.partitions} both at {@code parallelism}. */
    static Map<String, String> parallelismProperties(int parallelism) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("spark.default.parallelism", Integer.toString(parallelism));
        properties.put("spark.sql.shuffle.partitions", Integer.toString(parallelism));
        return properties;
    }

    /** One line for the plan summary. */
    @Override
    public String describe() {
        return String.format("%d x %s (%d vCPU, %d MB for containers): %d executor(s) per node, %d instances,"
                        + " %d cores, %d MB heap + %d MB overhead each, parallelism %d",
                nodes, type.name(), type.vcpus(), type.yarnMemoryMb(), executorsPerNode, instances, executorCores,
                heapMb, overheadMb, parallelism);
    }

    /**
     * Outcome of {@link #fits()}.
     *
     * @param fits whether the cluster holds the executors and the driver
     * @param message what is used of what is offered, or what does not fit
     */
    public record Fit(boolean fits, String message) {
        public Fit {
            requireNonNull(message, "message is null");
        }
    }
}
