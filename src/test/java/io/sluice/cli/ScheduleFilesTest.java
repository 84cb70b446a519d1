package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped schedules: valid shapes, and arguments the CLI accepts, for a dataset the configs define. */
class ScheduleFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void emrStepsRunParseThenRepartitionWithArgumentsTheCliAccepts() throws IOException {
        // CLI form (aws emr add-steps): Jar and Args at the top; API form (Scheduler, boto3): inside HadoopJarStep.
        // EmrModelsTest checks both forms against the AWS CLI and botocore; this checks what Sluice makes of them.
        JsonNode cli = JSON.readTree(Path.of("submit/emr/hourly-steps.json").toFile());
        JsonNode api = JSON.readTree(Path.of("submit/emr/hourly-steps-api.json").toFile());
        assertEquals(List.of("parse", "repartition"), commands(cli, step -> step));
        assertEquals(List.of("parse", "repartition"), commands(api, step -> step.get("HadoopJarStep")));

        JsonNode schedule = JSON.readTree(Path.of("submit/emr/hourly-schedule.json").toFile());
        assertEquals("cron(5 * * * ? *)", schedule.get("ScheduleExpression").asText());
        assertEquals("arn:aws:scheduler:::aws-sdk:emr:addJobFlowSteps", schedule.get("Target").get("Arn").asText());
    }

    @Test
    void databricksJobIsJobsApi21WithJarTasksTheCliAccepts() throws IOException {
        JsonNode job = JSON.readTree(Path.of("submit/databricks/orders-hourly-job.json").toFile());
        assertEquals(1, job.get("max_concurrent_runs").asInt());
        assertTrue(job.get("schedule").get("quartz_cron_expression").isTextual());
        JsonNode cluster = job.get("job_clusters").get(0).get("new_cluster");
        assertEquals("16.4.x-scala2.12", cluster.get("spark_version").asText());
        assertTrue(cluster.get("node_type_id").isTextual() && cluster.get("num_workers").isInt());
        assertTrue(cluster.get("spark_env_vars").get("SLUICE_PII_KEY").asText().startsWith("{{secrets/"));
        List<String> commands = new ArrayList<>();
        for (JsonNode task : job.get("tasks")) {
            JsonNode jar = task.get("spark_jar_task");
            assertEquals("io.sluice.cli.Sluice", jar.get("main_class_name").asText());
            assertTrue(task.get("max_retries").isInt());
            assertTrue(task.get("libraries").get(0).get("jar").asText().matches("/Volumes/.*\\.jar"));
            List<String> args = new ArrayList<>();
            jar.get("parameters").forEach(arg -> args.add(arg.asText()));
            commands.add(parsedCommand(args));
        }
        assertEquals(List.of("parse", "repartition"), commands);
        assertEquals("parse", job.get("tasks").get(1).get("depends_on").get(0).get("task_key").asText());
    }

    @Test
    void everyShippedConfigDefinesTheOrdersDataset() {
        for (String name : List.of("local", "emr", "databricks")) {
            SluiceConfig config = ConfigLoader.load("conf/" + name + ".yaml");
            assertEquals(List.of("Id"), config.dataset("orders").recordKey(), name);
            assertEquals(List.of("year", "month", "day"), config.dataset("orders").partitions(), name);
        }
    }

    private static List<String> commands(JsonNode steps, java.util.function.UnaryOperator<JsonNode> jarStep) {
        List<String> commands = new ArrayList<>();
        for (JsonNode step : steps) {
            assertEquals("CONTINUE", step.get("ActionOnFailure").asText());
            assertEquals("command-runner.jar", jarStep.apply(step).get("Jar").asText());
            List<String> args = new ArrayList<>();
            jarStep.apply(step).get("Args").forEach(arg -> args.add(arg.asText()));
            assertEquals(List.of("spark-submit", "--deploy-mode", "cluster", "--class", "io.sluice.cli.Sluice"),
                    args.subList(0, 5));
            assertTrue(args.get(5).endsWith(".jar"), args.toString());
            commands.add(parsedCommand(args.subList(6, args.size())));
        }
        return commands;
    }

    /** Parses {@code args} as the CLI would, without running anything; returns the subcommand's name. */
    private static String parsedCommand(List<String> args) {
        CommandLine.ParseResult parsed = Sluice.commandLine(new Sluice()).parseArgs(args.toArray(String[]::new));
        CommandLine.ParseResult sub = parsed.subcommand();
        assertEquals("orders", sub.matchedOptionValue("--dataset", ""));
        assertTrue(sub.matchedOptionValue("--config", "").matches("(s3://|/Workspace/).*\\.yaml"), args.toString());
        return sub.commandSpec().name();
    }
}
