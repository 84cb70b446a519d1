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
 */
public record InstanceType(String name, int vcpus, double memoryGiB, int yarnMemoryMb) {

    public InstanceType {
        requireNonNull(name, "name is null");
        if (vcpus < 1) {
            throw new IllegalArgumentException("vcpus must be positive, got " + vcpus + " for " + name);
        }
        if (memoryGiB <= 0 || yarnMemoryMb < 1) {
            throw new IllegalArgumentException("memory must be positive for " + name);
        }
    }
}
