package io.sluice.plan;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.config.ConfigException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * An EMR plan: {@code emr-cluster.json} to create each cluster with, and {@code emr-steps-cluster-<k>.json}, the
 * steps of cluster k, one spark-submit per folder that goes on with the next folder when one fails.
 */
public final class EmrPlan {
    /** EMR release the clusters run: Spark 3.5 on Java 17. */
    public static final String RELEASE_LABEL = "emr-7.5.0";
    /** EMR keeps at most this many pending or running steps per cluster. */
    public static final int MAX_ACTIVE_STEPS = 256;
    /** An idle cluster terminates after this many seconds, so a finished backfill stops costing. */
    public static final long IDLE_TIMEOUT_SECONDS = 3600;
    /** Name of the cluster definition file. */
    public static final String CLUSTER_FILE = "emr-cluster.json";

    private final BackfillPlan plan;
    private final ExecutorSizing sizing;

    public EmrPlan(BackfillPlan plan, ExecutorSizing sizing) {
        this.plan = requireNonNull(plan, "plan is null");
        this.sizing = requireNonNull(sizing, "sizing is null");
    }

    /** Writes the plan into {@code dir}; fails before writing when a cluster would get too many steps. */
    public List<Path> write(Path dir) {
        List<List<String>> byCluster = plan.foldersByCluster();
        int largest = byCluster.stream().mapToInt(List::size).max().orElse(0);
        if (largest > MAX_ACTIVE_STEPS) {
            int needed = (plan.folders().size() + MAX_ACTIVE_STEPS - 1) / MAX_ACTIVE_STEPS;
            throw new ConfigException(plan.folders().size() + " folders over " + plan.clusters() + " cluster(s) is "
                    + largest + " steps on one cluster; EMR keeps at most " + MAX_ACTIVE_STEPS + " pending steps"
                    + " per cluster; pass --clusters " + needed + " or more");
        }
        List<Path> written = new ArrayList<>();
        written.add(PlanJson.write(dir, CLUSTER_FILE, cluster()));
        for (int k = 0; k < byCluster.size(); k++) {
            written.add(PlanJson.write(dir, stepsFile(k + 1), steps(byCluster.get(k))));
        }
        return written;
    }

    /** Name of the steps file of cluster {@code k}, counting from 1. */
    public static String stepsFile(int k) {
        return "emr-steps-cluster-" + k + ".json";
    }

    ObjectNode cluster() {
        ObjectNode cluster = PlanJson.object();
        cluster.put("Name", "sluice backfill-history " + plan.dataset());
        cluster.put("ReleaseLabel", RELEASE_LABEL);
        cluster.putArray("Applications").addObject().put("Name", "Spark");
        ObjectNode instances = cluster.putObject("Instances");
        ArrayNode groups = instances.putArray("InstanceGroups");
        groups.add(group("Primary", "MASTER", 1));
        groups.add(group("Core", "CORE", sizing.nodes()));
        // The steps are added after the cluster starts: without this it would terminate before they arrive.
        instances.put("KeepJobFlowAliveWhenNoSteps", true);
        cluster.putObject("AutoTerminationPolicy").put("IdleTimeout", IDLE_TIMEOUT_SECONDS);
        ArrayNode configurations = cluster.putArray("Configurations");
        ObjectNode defaults = configurations.addObject();
        defaults.put("Classification", "spark-defaults");
        defaults.set("Properties", PlanJson.properties(sizing.sparkProperties()));
        ObjectNode spark = configurations.addObject();
        spark.put("Classification", "spark");
        // EMR's own sizing would replace ours with one fat executor per node.
        spark.putObject("Properties").put("maximizeResourceAllocation", "false");
        cluster.put("JobFlowRole", "EMR_EC2_DefaultRole");
        cluster.put("ServiceRole", "EMR_DefaultRole");
        cluster.put("VisibleToAllUsers", true);
        return cluster;
    }

    private ObjectNode group(String name, String role, int count) {
        ObjectNode group = PlanJson.object();
        group.put("Name", name);
        group.put("InstanceRole", role);
        group.put("InstanceType", sizing.type().name());
        group.put("InstanceCount", count);
        return group;
    }

    ArrayNode steps(List<String> folders) {
        ArrayNode steps = PlanJson.array();
        for (String folder : folders) {
            ObjectNode step = steps.addObject();
            step.put("Name", "backfill-history " + plan.dataset() + " " + folder);
            step.put("ActionOnFailure", "CONTINUE");
            ObjectNode jarStep = step.putObject("HadoopJarStep");
            jarStep.put("Jar", "command-runner.jar");
            List<String> args = new ArrayList<>(List.of("spark-submit", "--deploy-mode", "cluster", "--class",
                    BackfillPlan.MAIN_CLASS, plan.jar()));
            args.addAll(plan.runArguments(folder));
            jarStep.set("Args", PlanJson.strings(args));
        }
        return steps;
    }
}
