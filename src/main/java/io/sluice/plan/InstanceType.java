package io.sluice.plan;

import static java.util.Objects.requireNonNull;

/**
 * A machine a cluster node runs on, as executor sizing sees it.
 *
 * @param name the platform's name of the type, such as {@code c5.4xlarge} or {@code Standard_DS4_v2}
 * @param vcpus virtual CPUs of one node
 * @param memoryGiB memory of one node, GiB
 * @param yarnMemoryMb memory executors may use on one node, MB: YARN's {@code yarn.nodemanager.resource.memory-mb}
 *                     on EMR, the memory left to Spark on Databricks
 * @param memorySource where {@code yarnMemoryMb} comes from
 */
public record InstanceType(String name, int vcpus, double memoryGiB, int yarnMemoryMb, MemorySource memorySource) {

    /** Where a type's container memory comes from. */
    public enum MemorySource {
        /** EMR's published default {@code yarn.nodemanager.resource.memory-mb} for the type. */
        EMR_DOCS,
        /** A share of the node's memory: Databricks node types and types given by --vcpus and --memory-gib. */
        ESTIMATE
    }

    public InstanceType {
        requireNonNull(name, "name is null");
        requireNonNull(memorySource, "memorySource is null");
        if (vcpus < 1) {
            throw new IllegalArgumentException("vcpus must be positive, got " + vcpus + " for " + name);
        }
        if (memoryGiB <= 0 || yarnMemoryMb < 1) {
            throw new IllegalArgumentException("memory must be positive for " + name);
        }
    }

    /** A type whose container memory is an estimate. */
    public InstanceType(String name, int vcpus, double memoryGiB, int yarnMemoryMb) {
        this(name, vcpus, memoryGiB, yarnMemoryMb, MemorySource.ESTIMATE);
    }
}
