package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The EMR and EventBridge Scheduler files Sluice ships and plans, checked by the AWS CLI itself and by botocore's
 * service models, never by shapes written in this repository:
 * <ul>
 *   <li>the CLI forms run through the real {@code aws emr add-steps} / {@code create-cluster} against a dead
 *       endpoint: the CLI validates its parameters before it connects, so "Could not connect" means accepted and
 *       "Parameter validation failed" means rejected;</li>
 *   <li>the API forms go through botocore's ParamValidator on the EMR (2009-03-31) and Scheduler models;</li>
 *   <li>each API file equals what the CLI's own EMR code builds from its CLI twin.</li>
 * </ul>
 * Needs python3 ({@code SLUICE_PYTHON}, else the first on PATH) with the awscli and botocore packages, or them in
 * target/pylib ({@code .ci/run} picks or installs them); skips only when there is no python3 at all.
 */
class EmrModelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CHECKER = Path.of("src/test/python/aws_models.py").toAbsolutePath();
    private static final Path PYLIB = Path.of("target/pylib").toAbsolutePath();
    private static final String DEAD_ENDPOINT = "http://127.0.0.1:9";
    private static final String CONNECT_FAILED = "Could not connect to the endpoint URL: \"" + DEAD_ENDPOINT + "/";
    private static final String REJECTED = "Parameter validation failed";

    private static Path python;
    private static Path awsBin;

    @TempDir
    Path dir;

    @BeforeAll
    static void awsCli(@TempDir Path bin) throws Exception {
        String chosen = System.getenv("SLUICE_PYTHON");
        Optional<Path> found = chosen != null && !chosen.isBlank() ? Optional.of(Path.of(chosen)) : onPath("python3");
        if (found.isEmpty()) {
            return;
        }
        python = found.get();
        Run versions = run(List.of(python.toString(), CHECKER.toString(), "versions"), Map.of());
        if (versions.exit() != 0) {
            fail("python3 has no awscli/botocore: run `python3 -m pip install --target target/pylib awscli botocore`"
                    + " (.ci/run does)\n" + versions.err());
        }
        JsonNode installed = JSON.readTree(versions.out());
        assertTrue(installed.get("awscli").asText().startsWith("1."), installed.toString());
        // `aws` as the scripts call it: this python's awscli, whatever else is on PATH.
        awsBin = bin;
        Path aws = bin.resolve("aws");
        Files.writeString(aws, "#!/bin/sh\nexec '" + python + "' -m awscli \"$@\"\n");
        Files.setPosixFilePermissions(aws, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Skipped, each test on its own so the report counts them, only when there is no python3 at all. */
    @BeforeEach
    void needsPython() {
        assumeTrue(python != null, "python3 is not on PATH: the AWS model checks need it");
    }

    @Test
    void shippedStepsAreTheCliFormThatAddStepsTakes() throws Exception {
        assertAccepted(addSteps(Path.of("submit/emr/hourly-steps.json")));
    }

    @Test
    void shippedDailyMaintainStepIsTheCliFormThatAddStepsTakes() throws Exception {
        assertAccepted(addSteps(Path.of("submit/emr/maintain-daily-steps.json")));
    }

    @Test
    void theApiFormIsRejectedByAddSteps() throws Exception {
        Run run = addSteps(Path.of("submit/emr/hourly-steps-api.json"));
        assertEquals(255, run.exit(), run.err());
        assertTrue(run.err().contains(REJECTED + ":\nUnknown parameter in [0]: \"HadoopJarStep\", must be one of:"
                + " Type, Name, ActionOnFailure, Jar, Args"), run.err());
    }

    @Test
    void shippedApiStepsAreWhatTheCliBuildsFromTheCliSteps() throws Exception {
        assertValid("api-steps", Path.of("submit/emr/hourly-steps-api.json"));
        assertSameSteps(Path.of("submit/emr/hourly-steps.json"), Path.of("submit/emr/hourly-steps-api.json"));
    }

    @Test
    void theCliFormIsRejectedAsApiSteps() throws Exception {
        Run run = check("api-steps", Path.of("submit/emr/hourly-steps.json"));
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().contains("Unknown parameter in Steps[0]: \"Type\", must be one of: Name, ActionOnFailure,"
                + " HadoopJarStep"), run.err());
    }

    @Test
    void scheduleIsACreateScheduleInputWhoseTargetInputIsAddJobFlowSteps() throws Exception {
        List<String> args = List.of("j-2AXXXXXXGAPLF", "arn:aws:iam::123456789012:role/sluice-scheduler",
                "s3://bucket/sluice.jar", "s3://bucket/conf/emr.yaml");
        List<String> dryRun = new ArrayList<>(List.of("bash", "submit/emr/schedule.sh", "--dry-run"));
        dryRun.addAll(args);
        Run printed = run(dryRun, awsEnvironment());
        assertEquals(0, printed.exit(), printed.err());
        Path schedule = dir.resolve("schedule.json");
        Files.writeString(schedule, printed.out());
        JsonNode request = JSON.readTree(assertValid("schedule", schedule));
        JsonNode input = JSON.readTree(request.get("Target").get("Input").asText());
        assertEquals("s3://bucket/sluice.jar", input.get("Steps").get(0).get("HadoopJarStep").get("Args").get(5).asText());
        assertEquals("s3://bucket/conf/emr.yaml",
                input.get("Steps").get(1).get("HadoopJarStep").get("Args").get(10).asText());

        // The script itself, sent: the Scheduler API's validation passes and only the connection fails.
        List<String> send = new ArrayList<>(List.of("bash", "submit/emr/schedule.sh"));
        send.addAll(args);
        Map<String, String> env = new HashMap<>(awsEnvironment());
        env.put("AWS_ENDPOINT_URL", DEAD_ENDPOINT);
        Run sent = run(send, env);
        assertAccepted(sent);
        assertTrue(sent.err().contains(CONNECT_FAILED + "schedules/sluice-orders-hourly\""), sent.err());

        // CLI-form steps in the target's input are what the Scheduler would pass to EMR: rejected.
        ObjectNode wrong = (ObjectNode) JSON.readTree(printed.out());
        ObjectNode target = (ObjectNode) wrong.get("Target");
        target.put("Input", "{\"JobFlowId\":\"j-2AXXXXXXGAPLF\",\"Steps\":"
                + JSON.readTree(Path.of("submit/emr/hourly-steps.json").toFile()) + "}");
        Path wrongFile = dir.resolve("wrong-schedule.json");
        JSON.writeValue(wrongFile.toFile(), wrong);
        Run rejected = check("schedule", wrongFile);
        assertEquals(1, rejected.exit(), rejected.err());
        assertTrue(rejected.err().contains("Unknown parameter in Steps[0]: \"Type\""), rejected.err());
    }

    @Test
    void plannedX86ClusterAndStepsPassTheCliAndTheModels() throws Exception {
        checkPlan("c5.4xlarge", 2, 2);
    }

    @Test
    void plannedGravitonClusterAndStepsPassTheCliAndTheModels() throws Exception {
        checkPlan("r6g.2xlarge", 10, 1);
    }

    @Test
    void configurationsWithANumberForAValueAreRejected() throws Exception {
        Path file = dir.resolve("configurations.json");
        Files.writeString(file, "[{\"Classification\": \"spark-defaults\", \"Properties\": {\"spark.executor.cores\": 5}}]");
        Run run = check("configurations", file);
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().contains("Invalid type for parameter Configurations[0].Properties.spark.executor.cores,"
                + " value: 5"), run.err());
    }

    private void checkPlan(String type, int nodes, int clusters) throws Exception {
        Path source = PlanRunner.history(dir, 3);
        Path config = PlanRunner.config(dir);
        Path out = dir.resolve("plan");
        PlanRunner.Result result = PlanRunner.plan(List.of("backfill-history", "plan", "--config", config.toString(),
                "--dataset", "orders", "--source", source.toString(), "--out", out.toString(), "--platform", "emr",
                "--instance-type", type, "--nodes", Integer.toString(nodes), "--clusters", Integer.toString(clusters),
                "--cluster-source", "s3://bucket/history", "--run-config", "s3://bucket/conf/emr.yaml",
                "--jar", "s3://bucket/sluice.jar"));
        assertEquals(0, result.exitCode(), result.err());

        assertValid("configurations", out.resolve("emr-configurations.json"));
        int steps = 0;
        for (int k = 1; k <= clusters; k++) {
            Path cli = out.resolve("emr-steps-cluster-" + k + ".json");
            Path api = out.resolve("emr-steps-cluster-" + k + "-api.json");
            assertAccepted(addSteps(cli));
            assertValid("api-steps", api);
            assertSameSteps(cli, api);
            steps += JSON.readTree(cli.toFile()).size();

            Run created = run(List.of("bash", out.resolve("emr-create-cluster.sh").toString(), Integer.toString(k),
                    "--region", "us-east-1", "--endpoint-url", DEAD_ENDPOINT, "--cli-connect-timeout", "1"),
                    awsEnvironment());
            assertAccepted(created);
        }
        assertEquals(3, steps);
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(2 + 2 * clusters, files.count());
        }
        Run outOfRange = run(List.of("bash", out.resolve("emr-create-cluster.sh").toString(),
                Integer.toString(clusters + 1)), awsEnvironment());
        assertEquals(2, outOfRange.exit(), outOfRange.err());
        assertTrue(outOfRange.err().contains("K is a cluster number from 1 to " + clusters), outOfRange.err());
    }

    private Run addSteps(Path steps) throws Exception {
        return run(List.of(awsBin.resolve("aws").toString(), "emr", "add-steps", "--cluster-id", "j-2AXXXXXXGAPLF",
                "--steps", "file://" + steps.toAbsolutePath(), "--region", "us-east-1", "--endpoint-url",
                DEAD_ENDPOINT, "--cli-connect-timeout", "1"), awsEnvironment());
    }

    /** The AWS CLI took the parameters: it got as far as connecting. */
    private static void assertAccepted(Run run) {
        assertFalse(run.err().contains(REJECTED), run.err());
        assertTrue(run.err().contains(CONNECT_FAILED), "expected a connection failure, got: " + run.err());
        assertEquals(255, run.exit(), run.err());
    }

    private static String assertValid(String check, Path file) throws Exception {
        Run run = check(check, file);
        assertEquals(0, run.exit(), check + " " + file + ": " + run.err());
        return run.out();
    }

    /** The CLI's own EMR code turns the CLI-form file into exactly the API-form file. */
    private static void assertSameSteps(Path cli, Path api) throws Exception {
        Run built = check("cli-steps-as-api", cli);
        assertEquals(0, built.exit(), built.err());
        assertEquals(JSON.readTree(api.toFile()), JSON.readTree(built.out()));
    }

    private static Run check(String check, Path file) throws Exception {
        return run(List.of(python.toString(), CHECKER.toString(), check, file.toAbsolutePath().toString()), Map.of());
    }

    /** Dummy credentials, no config files, one attempt: nothing here can reach AWS or a real account. */
    private static Map<String, String> awsEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ACCESS_KEY_ID", "testing");
        env.put("AWS_SECRET_ACCESS_KEY", "testing");
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        env.put("AWS_CONFIG_FILE", "/nonexistent/aws-config");
        env.put("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials");
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_MAX_ATTEMPTS", "1");
        env.put("AWS_RETRY_MODE", "standard");
        env.put("PATH", awsBin + File.pathSeparator + System.getenv("PATH"));
        return env;
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("AWS_PROFILE");
        builder.environment().remove("AWS_ENDPOINT_URL");
        builder.environment().putAll(env);
        if (Files.isDirectory(PYLIB)) {
            builder.environment().merge("PYTHONPATH", PYLIB.toString(), (old, lib) -> lib + File.pathSeparator + old);
        }
        Path stdout = Files.createTempFile("aws-models", ".out");
        Path stderr = Files.createTempFile("aws-models", ".err");
        try {
            Process process = builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(command + " did not finish in 120 s");
            }
            return new Run(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                    Files.readString(stderr, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    private static Optional<Path> onPath(String name) throws IOException {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String entry : path.split(File.pathSeparator)) {
            Path candidate = Path.of(entry).resolve(name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
