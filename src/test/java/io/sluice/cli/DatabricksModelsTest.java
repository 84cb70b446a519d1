package io.sluice.cli;

import com.databricks.sdk.service.compute.ClusterSpec;
import com.databricks.sdk.service.compute.Library;
import com.databricks.sdk.service.jobs.CreateJob;
import com.databricks.sdk.service.jobs.JobCluster;
import com.databricks.sdk.service.jobs.Task;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sluice.plan.BackfillPlan;
import io.sluice.plan.DatabricksPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Databricks jobs Sluice ships and plans, read with the Jobs API 2.1 classes of the Databricks SDK for Java
 * (what {@code databricks jobs create --json} sends), unknown properties failing; then the runtime's JVM against
 * the jar's class files, the library's location and the main class.
 */
class DatabricksModelsTest {
    /** Default Java release of Databricks runtimes (Databricks runtime release notes: 16.0 and later run JDK 17). */
    private static final Map<String, Integer> RUNTIME_JAVA = Map.of("15.4.x-scala2.12", 8, "16.4.x-scala2.12", 17);
    private static final ObjectMapper JOBS_API = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    @TempDir
    Path dir;

    @Test
    void shippedHourlyJobIsAJobsApiJobThatStartsOnTheRuntime() throws Exception {
        CreateJob job = read(Path.of("submit/databricks/orders-hourly-job.json"));
        assertEquals("sluice-orders-hourly", job.getName());
        assertEquals(List.of("parse", "repartition"), job.getTasks().stream().map(Task::getTaskKey).toList());
        assertEquals(List.of(), problems(job));
    }

    @Test
    void shippedStepJobOfTheAirflowDagIsAJobsApiJobThatStartsOnTheRuntime() throws Exception {
        CreateJob job = read(Path.of("submit/databricks/sluice-step-job.json"));
        assertEquals("sluice-step", job.getName());
        assertEquals(List.of("sluice"), job.getTasks().stream().map(Task::getTaskKey).toList());
        assertEquals(List.of(), problems(job));
    }

    @Test
    void shippedMaintainJobIsAJobsApiJobThatStartsOnTheRuntime() throws Exception {
        CreateJob job = read(Path.of("submit/databricks/orders-maintain-job.json"));
        assertEquals("sluice-orders-maintain", job.getName());
        assertEquals(List.of("maintain"), job.getTasks().stream().map(Task::getTaskKey).toList());
        assertEquals(List.of(), problems(job));
    }

    @Test
    void thePlansRuntimeRunsJava17ByDefault() {
        assertEquals(RUNTIME_JAVA.get(DatabricksPlan.SPARK_VERSION), DatabricksPlan.RUNTIME_JAVA);
    }

    @Test
    void plannedBackfillJobIsAJobsApiJobThatStartsOnTheRuntime() throws Exception {
        Path source = PlanRunner.history(dir, 3);
        Path config = PlanRunner.config(dir);
        PlanRunner.Result result = PlanRunner.plan(List.of("backfill-history", "plan", "--config", config.toString(),
                "--dataset", "orders", "--source", source.toString(), "--out", dir.resolve("plan").toString(),
                "--platform", "databricks", "--instance-type", "m5d.2xlarge", "--nodes", "3", "--clusters", "2",
                "--cluster-source", "s3://bucket/history", "--run-config", "/Workspace/sluice/databricks.yaml",
                "--jar", "/Volumes/main/sluice/jars/sluice.jar"));
        assertEquals(0, result.exitCode(), result.err());

        CreateJob job = read(dir.resolve("plan").resolve(DatabricksPlan.JOB_FILE));
        assertEquals(2, job.getJobClusters().size());
        assertEquals(3, job.getTasks().size());
        ClusterSpec cluster = job.getJobClusters().iterator().next().getNewCluster();
        assertEquals(3L, cluster.getNumWorkers());
        assertEquals("m5d.2xlarge", cluster.getDriverNodeTypeId());
        assertEquals(List.of(), problems(job));
    }

    @Test
    void aJobOn154WithTheJarInTheDbfsRootFailsTheRuntimeChecks() throws Exception {
        String shipped = Files.readString(Path.of("submit/databricks/orders-hourly-job.json"));
        Path old = dir.resolve("old.json");
        Files.writeString(old, shipped.replace("16.4.x-scala2.12", "15.4.x-scala2.12")
                .replace("/Volumes/main/sluice/jars/sluice.jar", "dbfs:/FileStore/sluice/sluice.jar"));
        List<String> problems = problems(read(old));
        assertEquals(List.of(
                "sluice: 15.4.x-scala2.12 runs Java 8 by default, the jar's classes need Java 17 (class file 61)",
                "parse: library dbfs:/FileStore/sluice/sluice.jar is not in a Unity Catalog volume",
                "repartition: library dbfs:/FileStore/sluice/sluice.jar is not in a Unity Catalog volume"), problems);
    }

    @Test
    void aFieldTheJobsApiDoesNotKnowIsRejected() throws Exception {
        String shipped = Files.readString(Path.of("submit/databricks/orders-hourly-job.json"));
        Path misspelled = dir.resolve("misspelled.json");
        Files.writeString(misspelled, shipped.replaceFirst("\"main_class_name\"", "\"main_class\""));
        UnrecognizedPropertyException e = assertThrows(UnrecognizedPropertyException.class, () -> read(misspelled));
        assertEquals("main_class", e.getPropertyName());
    }

    @Test
    void anEmrStepFileIsNoJob() {
        assertThrows(MismatchedInputException.class, () -> read(Path.of("submit/emr/hourly-steps.json")));
    }

    private static CreateJob read(Path file) throws IOException {
        return JOBS_API.readValue(file.toFile(), CreateJob.class);
    }

    /** What keeps {@code job} from running Sluice: runtime JVM, library location, main class. */
    static List<String> problems(CreateJob job) throws IOException {
        List<String> problems = new ArrayList<>();
        int classFile = classFileVersion(BackfillPlan.MAIN_CLASS);
        for (JobCluster cluster : job.getJobClusters()) {
            String runtime = cluster.getNewCluster().getSparkVersion();
            Integer java = RUNTIME_JAVA.get(runtime);
            if (java == null) {
                problems.add(cluster.getJobClusterKey() + ": runtime " + runtime + " is not one this test knows");
            } else if (java + 44 < classFile) {
                problems.add(cluster.getJobClusterKey() + ": " + runtime + " runs Java " + java + " by default, the"
                        + " jar's classes need Java " + (classFile - 44) + " (class file " + classFile + ")");
            }
        }
        for (Task task : job.getTasks()) {
            for (Library library : task.getLibraries()) {
                if (!library.getJar().startsWith("/Volumes/")) {
                    problems.add(task.getTaskKey() + ": library " + library.getJar()
                            + " is not in a Unity Catalog volume");
                }
            }
            String main = task.getSparkJarTask().getMainClassName();
            if (!hasMain(main)) {
                problems.add(task.getTaskKey() + ": main class " + main + " has no public static main");
            }
        }
        return problems;
    }

    private static boolean hasMain(String className) {
        try {
            Method main = Class.forName(className).getMethod("main", String[].class);
            return Modifier.isStatic(main.getModifiers());
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            return false;
        }
    }

    /** The major class-file version of a class of the jar, as compiled. */
    private static int classFileVersion(String className) throws IOException {
        try (InputStream in = DatabricksModelsTest.class.getResourceAsStream(
                "/" + className.replace('.', '/') + ".class")) {
            assertTrue(in != null, className + " is not on the classpath");
            DataInputStream data = new DataInputStream(in);
            assertEquals(0xCAFEBABE, data.readInt());
            data.readUnsignedShort();
            return data.readUnsignedShort();
        }
    }
}
