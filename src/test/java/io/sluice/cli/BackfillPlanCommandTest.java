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
    void emrPlanHasTheCreateClusterScriptAndStepFilesInCliAndApiForm() throws Exception {
        assertEquals(0, plan("--platform", "emr", "--instance-type", "c5.4xlarge", "--nodes", "2", "--clusters", "2",
                "--jar", "s3://bucket/sluice.jar", "--cluster-source", "s3://bucket/history",
                "--run-config", "s3://bucket/conf/emr.yaml"), err.toString());

        try (Stream<Path> files = Files.list(dir.resolve("plan"))) {
            assertEquals(List.of("emr-configurations.json", "emr-create-cluster.sh", "emr-steps-cluster-1-api.json",
                            "emr-steps-cluster-1.json", "emr-steps-cluster-2-api.json", "emr-steps-cluster-2.json"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        JsonNode configurations = read("emr-configurations.json");
        JsonNode defaults = configurations.get(0);
        assertEquals("spark-defaults", defaults.get("Classification").asText());
        assertEquals("5", defaults.get("Properties").get("spark.executor.instances").asText());
        assertEquals("6624m", defaults.get("Properties").get("spark.executor.memory").asText());
        defaults.get("Properties").forEach(value -> assertTrue(value.isTextual(), value.toString()));
        assertEquals("false", configurations.get(1).get("Properties").get("maximizeResourceAllocation").asText());

        Path script = dir.resolve("plan").resolve("emr-create-cluster.sh");
        assertTrue(Files.isExecutable(script));
        String text = Files.readString(script);
        for (String line : List.of("aws emr create-cluster \\", "  --release-label emr-7.5.0 \\",
                "  --applications Name=Spark \\",
                "  --instance-groups InstanceGroupType=MASTER,InstanceCount=1,InstanceType=c5.4xlarge \\",
                "    InstanceGroupType=CORE,InstanceCount=2,InstanceType=c5.4xlarge \\",
                "  --configurations \"file://$here/emr-configurations.json\" \\",
                "  --steps \"file://$here/emr-steps-cluster-$k.json\" \\",
                "  --auto-termination-policy IdleTimeout=3600 \\", "  --use-default-roles \\", "clusters=2")) {
            assertTrue(text.contains(line + "\n"), line + " in\n" + text);
        }

        List<String> expectedArgs = List.of("spark-submit", "--deploy-mode", "cluster", "--class",
                "io.sluice.cli.Sluice", "s3://bucket/sluice.jar", "backfill-history", "run", "--folder",
                "00_CheckoutOrder", "--source", "s3://bucket/history", "--dataset", "orders", "--config",
                "s3://bucket/conf/emr.yaml");
        JsonNode steps = read("emr-steps-cluster-1.json");
        assertEquals(2, steps.size());
        JsonNode step = steps.get(0);
        assertEquals(List.of("Type", "Name", "ActionOnFailure", "Jar", "Args"), fieldNames(step));
        assertEquals("CUSTOM_JAR", step.get("Type").asText());
        assertEquals("backfill-history orders 00_CheckoutOrder", step.get("Name").asText());
        assertEquals("CONTINUE", step.get("ActionOnFailure").asText());
        assertEquals("command-runner.jar", step.get("Jar").asText());
        assertEquals(expectedArgs, strings(step.get("Args")));
        // Round-robin: folders 1 and 3 on cluster 1, 2 and 4 on cluster 2.
        assertEquals("01_FulfillmentOrder", strings(steps.get(1).get("Args")).get(9));
        JsonNode second = read("emr-steps-cluster-2.json");
        assertEquals(List.of("00_FulfillmentOrder", "1F_CheckoutOrder"),
                List.of(strings(second.get(0).get("Args")).get(9), strings(second.get(1).get("Args")).get(9)));

        JsonNode api = read("emr-steps-cluster-1-api.json").get(0);
        assertEquals(List.of("Name", "ActionOnFailure", "HadoopJarStep"), fieldNames(api));
        assertEquals("command-runner.jar", api.get("HadoopJarStep").get("Jar").asText());
        assertEquals(expectedArgs, strings(api.get("HadoopJarStep").get("Args")));

        String summary = out.toString();
        assertTrue(summary.contains("sizing:    2 x c5.4xlarge (16 vCPU, 24576 MB for containers): 3 executor(s) per"
                + " node, 5 instances, 5 cores, 6624 MB heap + 736 MB overhead each, parallelism 50"), summary);
        assertTrue(summary.contains("found:     4 folder(s): 00_CheckoutOrder, 00_FulfillmentOrder,"
                + " 01_FulfillmentOrder, 1F_CheckoutOrder"), summary);
        assertTrue(summary.contains("missing:   508 expected folder(s): 01_CheckoutOrder, 02_CheckoutOrder"), summary);
        assertTrue(summary.contains("anomalies: 2 entr(y/ies): notes.txt, tmp/"), summary);
        assertTrue(!summary.contains("note:"), summary);
    }

    @Test
    void emrPlanOnATypeTheCatalogLacksSaysItsMemoryIsAnEstimate() {
        assertEquals(0, plan("--platform", "emr", "--instance-type", "m7g.4xlarge", "--vcpus", "16", "--memory-gib",
                "64", "--nodes", "2", "--jar", "s3://bucket/sluice.jar", "--cluster-source", "s3://bucket/history",
                "--run-config", "s3://bucket/conf/emr.yaml"), err.toString());
        assertTrue(out.toString().contains("note:      m7g.4xlarge's 49152 MB for containers is an estimate, not EMR's"
                + " published default; check yarn.nodemanager.resource.memory-mb on a node"), out.toString());
    }

    @Test
    void emrPlanRefusesPathsOfThisMachine() {
        assertEquals(2, plan("--platform", "emr", "--instance-type", "c5.4xlarge", "--nodes", "2",
                "--jar", "s3://bucket/sluice.jar", "--run-config", "s3://bucket/conf/emr.yaml"));
        assertEquals("error: --source " + source + " is a path on this machine, which an EMR cluster cannot read; pass"
                + " --cluster-source with the history's root as the cluster reads it (for example s3://bucket/history)"
                + System.lineSeparator(), err.toString());
        assertTrue(Files.notExists(dir.resolve("plan")), "nothing written");

        err.getBuffer().setLength(0);
        assertEquals(2, plan("--platform", "emr", "--instance-type", "c5.4xlarge", "--nodes", "2",
                "--jar", "s3://bucket/sluice.jar", "--cluster-source", "s3://bucket/history"));
        assertEquals("error: --config " + config + " is a path on this machine, which an EMR cluster cannot read;"
                + " upload the config and pass --run-config with its location as the cluster reads it (for example"
                + " s3://bucket/conf/emr.yaml)" + System.lineSeparator(), err.toString());

        err.getBuffer().setLength(0);
        assertEquals(2, plan("--platform", "emr", "--instance-type", "c5.4xlarge", "--nodes", "2",
                "--jar", "file:///tmp/sluice.jar", "--cluster-source", "s3://bucket/history",
                "--run-config", "s3://bucket/conf/emr.yaml"));
        assertTrue(err.toString().startsWith("error: --jar file:///tmp/sluice.jar is a path on this machine"),
                err.toString());
    }

    @Test
    void databricksPlanIsOneJobOn164WithTheJarFromAVolume() throws Exception {
        assertEquals(0, plan("--platform", "databricks", "--instance-type", "i3.xlarge", "--nodes", "4",
                "--run-config", "/Workspace/sluice/databricks.yaml", "--cluster-source", "s3://bucket/history",
                "--jar", "/Volumes/main/sluice/jars/sluice.jar"), err.toString());

        JsonNode job = read("databricks-job.json");
        assertEquals(1, job.get("max_concurrent_runs").asInt());
        JsonNode cluster = job.get("job_clusters").get(0);
        assertEquals("cluster_1", cluster.get("job_cluster_key").asText());
        assertEquals("16.4.x-scala2.12", cluster.get("new_cluster").get("spark_version").asText());
        assertEquals("i3.xlarge", cluster.get("new_cluster").get("node_type_id").asText());
        assertEquals("i3.xlarge", cluster.get("new_cluster").get("driver_node_type_id").asText());
        assertTrue(cluster.get("new_cluster").get("num_workers").isInt());
        assertEquals(4, cluster.get("new_cluster").get("num_workers").asInt());
        assertEquals("{\"spark.default.parallelism\":\"32\",\"spark.sql.shuffle.partitions\":\"32\"}",
                cluster.get("new_cluster").get("spark_conf").toString());

        JsonNode tasks = job.get("tasks");
        assertEquals(4, tasks.size());
        Pattern key = Pattern.compile("^[A-Za-z0-9_-]{1,100}$");
        tasks.forEach(task -> {
            assertTrue(key.matcher(task.get("task_key").asText()).matches(), task.get("task_key").asText());
            assertEquals("cluster_1", task.get("job_cluster_key").asText());
            assertEquals("io.sluice.cli.Sluice", task.get("spark_jar_task").get("main_class_name").asText());
            assertEquals("/Volumes/main/sluice/jars/sluice.jar", task.get("libraries").get(0).get("jar").asText());
            assertEquals(2, task.get("max_retries").asInt());
            assertTrue(task.get("retry_on_timeout").asBoolean());
        });
        assertEquals(List.of("backfill-history", "run", "--folder", "01_FulfillmentOrder", "--source",
                        "s3://bucket/history", "--dataset", "orders", "--config", "/Workspace/sluice/databricks.yaml"),
                strings(tasks.get(2).get("spark_jar_task").get("parameters")));
        assertEquals("backfill_00_FulfillmentOrder", tasks.get(2).get("depends_on").get(0).get("task_key").asText());
        assertEquals("ALL_DONE", tasks.get(2).get("run_if").asText());
        assertTrue(out.toString().contains("sizing:    4 x i3.xlarge workers (4 vCPU, 30.5 GiB) + a i3.xlarge driver"
                + " node: one executor per worker with 4 cores, 16 task slots, parallelism 32"), out.toString());
    }

    @Test
    void databricksPlanRefusesAJarInTheDbfsRoot() {
        assertEquals(2, plan("--platform", "databricks", "--instance-type", "i3.xlarge", "--nodes", "4",
                "--run-config", "/Workspace/sluice/databricks.yaml", "--cluster-source", "s3://bucket/history",
                "--jar", "dbfs:/FileStore/sluice/sluice.jar"));
        assertEquals("error: --jar dbfs:/FileStore/sluice/sluice.jar is in the DBFS root, from which Databricks"
                + " Runtime 16.0 and later install no libraries; upload the jar to a Unity Catalog volume"
                + " and pass --jar /Volumes/<catalog>/<schema>/<volume>/sluice.jar (or a workspace file or cloud"
                + " storage URI)" + System.lineSeparator(), err.toString());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
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
