package io.sluice.plan;

import java.util.Map;

/** How a plan uses the nodes of one cluster: in YARN's terms on EMR, in Databricks' terms on Databricks. */
public sealed interface ClusterSizing permits ExecutorSizing, DatabricksSizing {
    /** The worker nodes' type. */
    InstanceType type();

    /** Worker nodes per cluster: EMR core nodes, Databricks workers. */
    int nodes();

    /** Whether the cluster holds what the sizing asks for, and why not. */
    ExecutorSizing.Fit fits();

    /** The Spark settings the plan gives the cluster, every value a string. */
    Map<String, String> sparkProperties();

    /** One line for the plan summary. */
    String describe();
}
