package io.sluice.plan;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.config.ConfigException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * An EMR plan, each file in the form of the command that sends it:
 * <ul>
 *   <li>{@code emr-create-cluster.sh K}: {@code aws emr create-cluster} with its own options, the steps of
 *       cluster K included; extra options pass through to the AWS CLI;</li>
 *   <li>{@code emr-configurations.json}: the {@code --configurations} of the clusters (Spark sizing);</li>
 *   <li>{@code emr-steps-cluster-K.json}: the steps of cluster K in the AWS CLI's step form, for
 *       {@code aws emr add-steps --steps file://...} and {@code create-cluster --steps};</li>
 *   <li>{@code emr-steps-cluster-K-api.json}: the same steps in the API's StepConfig form, for boto3
 *       {@code add_job_flow_steps(Steps=...)}, Airflow's {@code EmrAddStepsOperator} or a Scheduler target.</li>
 * </ul>
 * One spark-submit per folder; a failed folder goes on with the next.
 */
public final class EmrPlan {
    /** EMR release the clusters run: Spark 3.5 on Java 17. */
    public static final String RELEASE_LABEL = "emr-7.5.0";
    /** Java release EMR 7.x runs applications with by default (EMR 6.x: 8); the jar is compiled for 17. */
    public static final int RELEASE_JAVA = 17;
    /** EMR keeps at most this many pending or running steps per cluster. */
    public static final int MAX_ACTIVE_STEPS = 256;
    /** An idle cluster terminates after this many seconds, so a finished backfill stops costing. */
    public static final long IDLE_TIMEOUT_SECONDS = 3600;
    /** Name of the script that creates a cluster. */
    public static final String CREATE_CLUSTER_FILE = "emr-create-cluster.sh";
    /** Name of the configurations file, {@code aws emr create-cluster --configurations file://...}. */
    public static final String CONFIGURATIONS_FILE = "emr-configurations.json";
    /** The step runner EMR ships on every node; it runs spark-submit. */
    public static final String COMMAND_RUNNER = "command-runner.jar";

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
        written.add(PlanJson.writeScript(dir, CREATE_CLUSTER_FILE, createClusterScript()));
        written.add(PlanJson.write(dir, CONFIGURATIONS_FILE, configurations()));
        for (int k = 0; k < byCluster.size(); k++) {
            written.add(PlanJson.write(dir, stepsFile(k + 1), cliSteps(byCluster.get(k))));
            written.add(PlanJson.write(dir, apiStepsFile(k + 1), apiSteps(byCluster.get(k))));
        }
        return written;
    }

    /** Name of the CLI-form steps file of cluster {@code k}, counting from 1. */
    public static String stepsFile(int k) {
        return "emr-steps-cluster-" + k + ".json";
    }

    /** Name of the API-form (StepConfig) steps file of cluster {@code k}, counting from 1. */
    public static String apiStepsFile(int k) {
        return "emr-steps-cluster-" + k + "-api.json";
    }

    /** The {@code --configurations} list: our executor sizing, and EMR's own sizing switched off. */
    ArrayNode configurations() {
        ArrayNode configurations = PlanJson.array();
        ObjectNode defaults = configurations.addObject();
        defaults.put("Classification", "spark-defaults");
        defaults.set("Properties", PlanJson.properties(sizing.sparkProperties()));
        ObjectNode spark = configurations.addObject();
        spark.put("Classification", "spark");
        // EMR's own sizing would replace ours with one fat executor per node.
        spark.putObject("Properties").put("maximizeResourceAllocation", "false");
        return configurations;
    }

    List<String> createClusterScript() {
        String type = sizing.type().name();
        int clusters = plan.clusters();
        String name = "sluice backfill-history " + plan.dataset();
        List<String> lines = new ArrayList<>();
        lines.add("#!/usr/bin/env bash");
        lines.add("# sluice backfill-history plan, dataset " + plan.dataset() + ": creates EMR cluster K of " + clusters
                + " with the AWS CLI, its steps included.");
        lines.add("#   ./" + CREATE_CLUSTER_FILE + " K [more aws emr create-cluster options, such as --region eu-west-1");
        lines.add("#     --log-uri s3://bucket/logs/ --ec2-attributes SubnetId=subnet-...,KeyName=... --tags team=data]");
        lines.add("# Steps: " + stepsFile(1).replace("1", "K") + " (the CLI's step form); Spark settings: "
                + CONFIGURATIONS_FILE + ", both beside this script.");
        lines.add("# Roles: EMR's defaults (aws emr create-default-roles makes them once per account).");
        lines.add("set -euo pipefail");
        lines.add("here=\"$(cd \"$(dirname \"${BASH_SOURCE[0]}\")\" && pwd)\"");
        lines.add("clusters=" + clusters);
        lines.add("if [[ $# -lt 1 || ! $1 =~ ^[0-9]+$ ]] || (( $1 < 1 || $1 > clusters )); then");
        lines.add("  sed -n '2,4s/^# \\{0,1\\}//p' \"${BASH_SOURCE[0]}\" >&2");
        lines.add("  echo \"K is a cluster number from 1 to $clusters\" >&2");
        lines.add("  exit 2");
        lines.add("fi");
        lines.add("k=$1");
        lines.add("shift");
        lines.add("aws emr create-cluster \\");
        lines.add("  --name " + LocalPlan.quote(name) + "\" $k/$clusters\" \\");
        lines.add("  --release-label " + RELEASE_LABEL + " \\");
        lines.add("  --applications Name=Spark \\");
        lines.add("  --instance-groups InstanceGroupType=MASTER,InstanceCount=1,InstanceType=" + LocalPlan.quote(type)
                + " \\");
        lines.add("    InstanceGroupType=CORE,InstanceCount=" + sizing.nodes() + ",InstanceType=" + LocalPlan.quote(type)
                + " \\");
        lines.add("  --configurations \"file://$here/" + CONFIGURATIONS_FILE + "\" \\");
        lines.add("  --steps \"file://$here/emr-steps-cluster-$k.json\" \\");
        // Idle, not --auto-terminate: a failed folder can be looked at and its step added again.
        lines.add("  --auto-termination-policy IdleTimeout=" + IDLE_TIMEOUT_SECONDS + " \\");
        lines.add("  --use-default-roles \\");
        lines.add("  \"$@\"");
        return lines;
    }

    /** The steps in the AWS CLI's form: {@code Type}, {@code Jar} and {@code Args} at the top of each step. */
    ArrayNode cliSteps(List<String> folders) {
        ArrayNode steps = PlanJson.array();
        for (String folder : folders) {
            ObjectNode step = steps.addObject();
            step.put("Type", "CUSTOM_JAR");
            step.put("Name", stepName(folder));
            step.put("ActionOnFailure", "CONTINUE");
            step.put("Jar", COMMAND_RUNNER);
            step.set("Args", PlanJson.strings(submitArguments(folder)));
        }
        return steps;
    }

    /** The steps in the API's StepConfig form: {@code Jar} and {@code Args} inside {@code HadoopJarStep}. */
    ArrayNode apiSteps(List<String> folders) {
        ArrayNode steps = PlanJson.array();
        for (String folder : folders) {
            ObjectNode step = steps.addObject();
            step.put("Name", stepName(folder));
            step.put("ActionOnFailure", "CONTINUE");
            ObjectNode jarStep = step.putObject("HadoopJarStep");
            jarStep.put("Jar", COMMAND_RUNNER);
            jarStep.set("Args", PlanJson.strings(submitArguments(folder)));
        }
        return steps;
    }

    private String stepName(String folder) {
        return "backfill-history " + plan.dataset() + " " + folder;
    }

    private List<String> submitArguments(String folder) {
        List<String> args = new ArrayList<>(List.of("spark-submit", "--deploy-mode", "cluster", "--class",
                BackfillPlan.MAIN_CLASS, plan.jar()));
        args.addAll(plan.runArguments(folder));
        return args;
    }
}
