package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.lake.Checkpoints;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackfillPlanCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Path config;
    private Path source;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void setUp() throws Exception {
        config = dir.resolve("sluice.yaml");
        Files.writeString(config, """
                zones: {landing: lake/landing, stage: lake/stage, trusted: lake/trusted, quarantine: lake/quarantine}
                datasets:
                  orders:
                    recordKey: [id]
                    version: updated_at
                    eventTime: updated_at
                    fields: {id: string, updated_at: timestamp}
                    history:
                      folderPattern: "^[0-9A-F]{2}_(CheckoutOrder|FulfillmentOrder)$"
                      expectedFolders: ["{HH}_CheckoutOrder", "{HH}_FulfillmentOrder"]
                      documentsUnder: id
                  flat:
                    recordKey: [id]
                    version: updated_at
                    eventTime: updated_at
                    fields: {id: string, updated_at: timestamp}
                """);
        source = dir.resolve("history");
        for (String folder : List.of("00_CheckoutOrder", "00_FulfillmentOrder", "01_FulfillmentOrder",
                "1F_CheckoutOrder")) {
            Files.createDirectories(source.resolve(folder).resolve("id"));
        }
        Files.createDirectories(source.resolve("tmp"));
        Files.writeString(source.resolve("notes.txt"), "scratch");
    }

    private int plan(String... extra) {
        List<String> args = new ArrayList<>(List.of("backfill-history", "plan", "--config", config.toString(),
                "--dataset", "orders", "--source", source.toString(), "--out", dir.resolve("plan").toString()));
        args.addAll(List.of(extra));
        // A session factory that fails: planning must never start Spark.
        Sluice sluice = new Sluice(settings -> {
            throw new AssertionError("plan opened a SparkSession");
        }, Checkpoints.fromEnvironment(), Clock.systemUTC());
        var commandLine = Sluice.commandLine(sluice);
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        return commandLine.execute(args.toArray(String[]::new));
    }

    private JsonNode read(String file) throws Exception {
        return JSON.readTree(dir.resolve("plan").resolve(file).toFile());
    }

    private static List<String> strings(JsonNode array) {
        assertTrue(array.isArray(), array.toString());
        List<String> values = new ArrayList<>();
        array.forEach(value -> {
            assertTrue(value.isTextual(), value.toString());
            values.add(value.asText());
        });
        return values;
    }

    @Test
    void emrPlanHasTheClusterAndOneStepFilePerCluster() throws Exception {
        assertEquals(0, plan("--platform", "emr", "--instance-type", "c5.4xlarge", "--nodes", "2", "--clusters", "2",
                "--jar", "s3://bucket/sluice.jar"), err.toString());

        try (Stream<Path> files = Files.list(dir.resolve("plan"))) {
            assertEquals(List.of("emr-cluster.json", "emr-steps-cluster-1.json", "emr-steps-cluster-2.json"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        JsonNode cluster = read("emr-cluster.json");
        assertEquals("emr-7.5.0", cluster.get("ReleaseLabel").asText());
        assertEquals("Spark", cluster.get("Applications").get(0).get("Name").asText());
        JsonNode groups = cluster.get("Instances").get("InstanceGroups");
        assertEquals("MASTER", groups.get(0).get("InstanceRole").asText());
        assertEquals("CORE", groups.get(1).get("InstanceRole").asText());
        assertEquals("c5.4xlarge", groups.get(1).get("InstanceType").asText());
        assertTrue(groups.get(1).get("InstanceCount").isInt());
        assertEquals(2, groups.get(1).get("InstanceCount").asInt());
        assertTrue(cluster.get("Instances").get("KeepJobFlowAliveWhenNoSteps").isBoolean());
        JsonNode defaults = cluster.get("Configurations").get(0);
        assertEquals("spark-defaults", defaults.get("Classification").asText());
        assertEquals("5", defaults.get("Properties").get("spark.executor.instances").asText());
        assertEquals("7372m", defaults.get("Properties").get("spark.executor.memory").asText());
        defaults.get("Properties").forEach(value -> assertTrue(value.isTextual(), value.toString()));
        assertEquals("false",
                cluster.get("Configurations").get(1).get("Properties").get("maximizeResourceAllocation").asText());
        assertEquals("EMR_EC2_DefaultRole", cluster.get("JobFlowRole").asText());
        assertEquals("EMR_DefaultRole", cluster.get("ServiceRole").asText());
        assertTrue(cluster.get("VisibleToAllUsers").asBoolean());

        JsonNode steps = read("emr-steps-cluster-1.json");
        assertEquals(2, steps.size());
        JsonNode step = steps.get(0);
        assertEquals("CONTINUE", step.get("ActionOnFailure").asText());
        assertEquals("command-runner.jar", step.get("HadoopJarStep").get("Jar").asText());
        assertEquals(List.of("spark-submit", "--deploy-mode", "cluster", "--class", "io.sluice.cli.Sluice",
                        "s3://bucket/sluice.jar", "backfill-history", "run", "--folder", "00_CheckoutOrder",
                        "--source", source.toString(), "--dataset", "orders", "--config", config.toString()),
                strings(step.get("HadoopJarStep").get("Args")));
        // Round-robin: folders 1 and 3 on cluster 1, 2 and 4 on cluster 2.
        assertEquals("01_FulfillmentOrder", strings(steps.get(1).get("HadoopJarStep").get("Args")).get(9));
        JsonNode second = read("emr-steps-cluster-2.json");
        assertEquals(List.of("00_FulfillmentOrder", "1F_CheckoutOrder"),
                List.of(strings(second.get(0).get("HadoopJarStep").get("Args")).get(9),
                        strings(second.get(1).get("HadoopJarStep").get("Args")).get(9)));

        String summary = out.toString();
        assertTrue(summary.contains("sizing:    2 x c5.4xlarge (16 vCPU, 24576 MB for containers): 3 executor(s) per"
                + " node, 5 instances, 5 cores, 7372 MB heap + 820 MB overhead each, parallelism 50"), summary);
        assertTrue(summary.contains("found:     4 folder(s): 00_CheckoutOrder, 00_FulfillmentOrder,"
                + " 01_FulfillmentOrder, 1F_CheckoutOrder"), summary);
        assertTrue(summary.contains("missing:   508 expected folder(s): 01_CheckoutOrder, 02_CheckoutOrder"), summary);
        assertTrue(summary.contains("anomalies: 2 entr(y/ies): notes.txt, tmp/"), summary);
    }

    @Test
    void databricksPlanIsOneJobWithValidTaskKeys() throws Exception {
        assertEquals(0, plan("--platform", "databricks", "--instance-type", "i3.xlarge", "--nodes", "4",
                "--run-config", "/Workspace/sluice/databricks.yaml", "--jar", "dbfs:/jars/sluice.jar"), err.toString());

        JsonNode job = read("databricks-job.json");
        assertEquals(1, job.get("max_concurrent_runs").asInt());
        JsonNode cluster = job.get("job_clusters").get(0);
        assertEquals("cluster_1", cluster.get("job_cluster_key").asText());
        assertEquals("15.4.x-scala2.12", cluster.get("new_cluster").get("spark_version").asText());
        assertEquals("i3.xlarge", cluster.get("new_cluster").get("node_type_id").asText());
        assertTrue(cluster.get("new_cluster").get("num_workers").isInt());
        assertEquals(4, cluster.get("new_cluster").get("num_workers").asInt());
        cluster.get("new_cluster").get("spark_conf").forEach(value -> assertTrue(value.isTextual(), value.toString()));

        JsonNode tasks = job.get("tasks");
        assertEquals(4, tasks.size());
        Pattern key = Pattern.compile("^[A-Za-z0-9_-]{1,100}$");
        tasks.forEach(task -> {
            assertTrue(key.matcher(task.get("task_key").asText()).matches(), task.get("task_key").asText());
            assertEquals("cluster_1", task.get("job_cluster_key").asText());
            assertEquals("io.sluice.cli.Sluice", task.get("spark_jar_task").get("main_class_name").asText());
            assertEquals("dbfs:/jars/sluice.jar", task.get("libraries").get(0).get("jar").asText());
            assertEquals(2, task.get("max_retries").asInt());
            assertTrue(task.get("retry_on_timeout").asBoolean());
        });
        assertEquals(List.of("backfill-history", "run", "--folder", "01_FulfillmentOrder", "--source",
                        source.toString(), "--dataset", "orders", "--config", "/Workspace/sluice/databricks.yaml"),
                strings(tasks.get(2).get("spark_jar_task").get("parameters")));
        assertEquals("backfill_00_FulfillmentOrder", tasks.get(2).get("depends_on").get(0).get("task_key").asText());
        assertEquals("ALL_DONE", tasks.get(2).get("run_if").asText());
    }

    @Test
    void localPlanRunsEveryFolderOnThisMachine() throws Exception {
        assertEquals(0, plan("--platform", "local"), err.toString());

        List<String> lines = Files.readAllLines(dir.resolve("plan").resolve("local-plan.txt"));
        int cores = Runtime.getRuntime().availableProcessors();
        long memory = Runtime.getRuntime().maxMemory() / (1024 * 1024);
        assertEquals("# machine: " + cores + " cores, " + memory + " MB driver heap", lines.get(1));
        List<String> commands = lines.stream().filter(line -> !line.startsWith("#")).toList();
        assertEquals(4, commands.size());
        assertEquals("SLUICE_MASTER='local[" + cores + "]' SLUICE_DRIVER_MEMORY=" + memory + "m submit/local.sh"
                + " backfill-history run --folder 00_CheckoutOrder --source " + source + " --dataset orders --config "
                + config, commands.get(0));
    }

    @Test
    void unknownInstanceTypeIsAUsageError() {
        assertEquals(2, plan("--platform", "emr", "--instance-type", "x9.huge", "--nodes", "2"));
        assertEquals("error: instance type 'x9.huge' is not in the catalog; pass --vcpus and --memory-gib with the"
                + " node's size (for example --vcpus 16 --memory-gib 64), or use a known type such as m5.2xlarge,"
                + " c5.4xlarge, r5.4xlarge, i3.xlarge" + System.lineSeparator(), err.toString());
    }

    @Test
    void aProfileWithoutHistoryIsAConfigError() {
        List<String> args = List.of("backfill-history", "plan", "--config", config.toString(), "--dataset", "flat",
                "--source", source.toString(), "--out", dir.resolve("plan").toString(), "--platform", "local");
        var commandLine = Sluice.commandLine(new Sluice());
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        assertEquals(2, commandLine.execute(args.toArray(String[]::new)));
        assertEquals("error: " + config + ": datasets.flat.history is missing; give folderPattern, expectedFolders"
                + " and documentsUnder to plan a backfill of flat" + System.lineSeparator(), err.toString());
    }

    @Test
    void emrNeedsTheInstanceType() {
        assertEquals(2, plan("--platform", "emr", "--nodes", "2"));
        // A usage error: picocli prints the message, then the usage.
        assertTrue(err.toString().startsWith("--instance-type is required with --platform emr" + System.lineSeparator()
                + "Usage: sluice backfill-history plan"), err.toString());
    }
}
