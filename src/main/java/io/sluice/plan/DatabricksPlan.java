package io.sluice.plan;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.config.ConfigException;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A Databricks plan: {@code databricks-job.json}, a Jobs API 2.1 job for {@code databricks jobs create --json
 * @databricks-job.json}: one job cluster per cluster, one task per folder; the tasks of a cluster run one after the
 * other and go on when one fails. The jar is a library from a Unity Catalog volume (or a workspace file or cloud
 * storage), run by a runtime whose default JVM runs Java 17 classes.
 */
public final class DatabricksPlan {
    /** Databricks runtime of the job clusters: 16.4 LTS, Spark 3.5, Scala 2.12, JDK 17 by default. */
    public static final String SPARK_VERSION = "16.4.x-scala2.12";
    /** Java release the runtime's JVM runs by default: the jar is compiled for 17 (15.4 LTS defaults to 8). */
    public static final int RUNTIME_JAVA = 17;
    /** A job holds at most this many tasks. */
    public static final int MAX_TASKS = 1000;
    /** What a task key may be. */
    public static final Pattern TASK_KEY = Pattern.compile("^[A-Za-z0-9_-]{1,100}$");
    /** Name of the job file. */
    public static final String JOB_FILE = "databricks-job.json";

    private static final Pattern NOT_KEY_CHARACTER = Pattern.compile("[^A-Za-z0-9_-]");

    private final BackfillPlan plan;
    private final DatabricksSizing sizing;

    public DatabricksPlan(BackfillPlan plan, DatabricksSizing sizing) {
        this.plan = requireNonNull(plan, "plan is null");
        this.sizing = requireNonNull(sizing, "sizing is null");
    }

    /** Writes the plan into {@code dir}; fails before writing when the job would have too many tasks. */
    public List<Path> write(Path dir) {
        if (plan.folders().size() > MAX_TASKS) {
            throw new ConfigException(plan.folders().size() + " folders make " + plan.folders().size() + " tasks;"
                    + " a Databricks job holds at most " + MAX_TASKS + "; plan the folders in parts with"
                    + " separate --source prefixes");
        }
        return List.of(PlanJson.write(dir, JOB_FILE, job()));
    }

    /** The task key of {@code folder}: its name with every character a key refuses replaced by {@code _}. */
    static String taskKey(String folder) {
        String key = "backfill_" + NOT_KEY_CHARACTER.matcher(folder).replaceAll("_");
        return key.length() > 100 ? key.substring(0, 100) : key;
    }

    ObjectNode job() {
        ObjectNode job = PlanJson.object();
        job.put("name", "sluice backfill-history " + plan.dataset());
        job.put("max_concurrent_runs", 1);
        ArrayNode tasks = job.putArray("tasks");
        ArrayNode clusters = job.putArray("job_clusters");
        Set<String> keys = new HashSet<>();
        List<List<String>> byCluster = plan.foldersByCluster();
        for (int k = 0; k < byCluster.size(); k++) {
            String clusterKey = "cluster_" + (k + 1);
            clusters.add(jobCluster(clusterKey));
            String previous = null;
            for (String folder : byCluster.get(k)) {
                String key = unique(taskKey(folder), keys);
                tasks.add(task(key, clusterKey, folder, previous));
                previous = key;
            }
        }
        return job;
    }

    private static String unique(String key, Set<String> taken) {
        String candidate = key;
        for (int n = 2; !taken.add(candidate); n++) {
            String suffix = "_" + n;
            candidate = (key.length() + suffix.length() > 100 ? key.substring(0, 100 - suffix.length()) : key)
                    + suffix;
        }
        return candidate;
    }

    private ObjectNode jobCluster(String clusterKey) {
        ObjectNode jobCluster = PlanJson.object();
        jobCluster.put("job_cluster_key", clusterKey);
        ObjectNode cluster = jobCluster.putObject("new_cluster");
        cluster.put("spark_version", SPARK_VERSION);
        cluster.put("node_type_id", sizing.type().name());
        cluster.put("driver_node_type_id", sizing.type().name());
        cluster.put("num_workers", sizing.nodes());
        // Databricks places one executor per worker itself; only the parallelism settings carry over.
        cluster.set("spark_conf", PlanJson.properties(sizing.sparkProperties()));
        return jobCluster;
    }

    private ObjectNode task(String key, String clusterKey, String folder, String previous) {
        ObjectNode task = PlanJson.object();
        task.put("task_key", key);
        if (previous != null) {
            task.putArray("depends_on").addObject().put("task_key", previous);
            // The next folder runs whether this one succeeded or not, as EMR's CONTINUE does.
            task.put("run_if", "ALL_DONE");
        }
        task.put("job_cluster_key", clusterKey);
        ObjectNode jarTask = task.putObject("spark_jar_task");
        jarTask.put("main_class_name", BackfillPlan.MAIN_CLASS);
        jarTask.set("parameters", PlanJson.strings(plan.runArguments(folder)));
        task.putArray("libraries").addObject().put("jar", plan.jar());
        task.put("max_retries", 2);
        task.put("min_retry_interval_millis", 60000);
        task.put("retry_on_timeout", true);
        return task;
    }
}
