package io.sluice.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.SparkTestSession;
import io.sluice.cli.Sluice;
import io.sluice.lake.Checkpoints;
import io.sluice.report.StepResult;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registration in a real Hive metastore (embedded Derby), queried by name, through a schema change. Runs in its own
 * JVM (the surefire execution 'hive-metastore'): a Hive-enabled session cannot share one with the plain test session.
 */
@Tag("hive")
class HiveCatalogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SparkSession spark;

    @TempDir
    static Path root;

    private String out;
    private String err;

    @BeforeAll
    static void metastore() {
        System.setProperty("derby.system.home", root.resolve("derby").toString());
        spark = SparkTestSession.builder("sluice-hive-tests")
                .config("spark.sql.warehouse.dir", root.resolve("warehouse").toUri().toString())
                .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                        "jdbc:derby:;databaseName=" + root.resolve("metastore_db") + ";create=true")
                .enableHiveSupport()
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private int sluice(String... args) {
        StringWriter outText = new StringWriter();
        StringWriter errText = new StringWriter();
        CommandLine commandLine = Sluice.commandLine(new Sluice(settings -> spark, Checkpoints.NONE, Clock.systemUTC()));
        commandLine.setOut(new PrintWriter(outText));
        commandLine.setErr(new PrintWriter(errText));
        int code = commandLine.execute(args);
        out = outText.toString();
        err = errText.toString();
        return code;
    }

    /** conf/local.yaml with the dataset registered as {@code table}, plus the extra field lines given. */
    private static Path config(String name, String table, String extraFields) throws IOException {
        String yaml = Files.readString(Path.of("conf/local.yaml"))
                .replace("      data: json\n", "      data: json\n" + extraFields)
                .replace("    format: delta\n", "    format: delta\n    table: " + table + "\n");
        Path file = root.resolve(name);
        Files.writeString(file, yaml);
        return file;
    }

    private static List<String> zones(Path lake) {
        return List.of("--landing", lake.resolve("landing").toString(), "--stage", lake.resolve("stage").toString(),
                "--trusted", lake.resolve("trusted").toString(), "--quarantine", lake.resolve("quarantine").toString());
    }

    private static void deliver(Path lake, String name, String content) throws IOException {
        Files.createDirectories(lake.resolve("landing/pending"));
        Files.writeString(lake.resolve("landing/pending").resolve(name), content);
    }

    private static String event(String id, String timestamp, String channel) {
        return "{\"event_id\":\"" + id + "\",\"timestamp\":\"" + timestamp + "\",\"domain\":\"account\","
                + "\"event_type\":\"created\",\"data\":{\"id\":1}" + (channel == null ? "" : ",\"channel\":\"" + channel + "\"")
                + "}\n";
    }

    private List<String> query(String sql) {
        return spark.sql(sql).collectAsList().stream().map(Row::toString).toList();
    }

    private int run(Path config, Path lake, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--config", config.toString(), "--report",
                lake.resolve("report.json").toString()));
        args.addAll(List.of(extra));
        args.addAll(zones(lake));
        return sluice(args.toArray(String[]::new));
    }

    @Test
    void theTrustedTableIsQueryableByNameAndShowsANewColumnAfterTheSchemaEvolves() throws Exception {
        Path lake = root.resolve("lake-evolving");
        Path v1 = config("v1.yaml", "lakehouse.events", "");
        Path v2 = config("v2.yaml", "lakehouse.events", "      channel: string\n");
        deliver(lake, "first.json", event("e1", "2024-03-01T10:00:00Z", null) + event("e2", "2024-03-01T11:00:00Z", null));

        assertEquals(0, run(v1, lake), err);

        assertEquals(List.of("[e1]", "[e2]"), query("SELECT event_id FROM lakehouse.events ORDER BY event_id"));
        JsonNode register = JSON.readTree(lake.resolve("report.json").toFile()).at("/steps/2");
        assertEquals(RegisterTable.STEP, register.get("step").asText());
        assertEquals(1, register.at("/details/created").asLong());
        assertTrue(out.contains("registered lakehouse.events (delta) at file:" + lake.resolve("trusted/events")), out);
        assertEquals("EXTERNAL", spark.catalog().getTable("lakehouse", "events").tableType());

        deliver(lake, "second.json", event("e1", "2024-03-02T10:00:00Z", "app") + event("e3", "2024-03-02T11:00:00Z", "web"));
        assertEquals(0, run(v2, lake), err);

        assertEquals(List.of("[e1,app]", "[e2,null]", "[e3,web]"),
                query("SELECT event_id, channel FROM lakehouse.events ORDER BY event_id"));
        assertEquals(0, JSON.readTree(lake.resolve("report.json").toFile()).at("/steps/2/details/created").asLong());
        assertTrue(spark.table("lakehouse.events").schema().getFieldIndex("channel").isDefined());
    }

    @Test
    void aNameRegisteredAtAnotherLocationIsRefused() throws IOException {
        Path first = root.resolve("lake-a");
        Path second = root.resolve("lake-b");
        Path config = config("plain.yaml", "", "").toAbsolutePath();
        Files.writeString(config, Files.readString(config).replace("    table: \n", ""));
        deliver(first, "a.json", event("a1", "2024-03-01T10:00:00Z", null));
        deliver(second, "b.json", event("b1", "2024-03-01T10:00:00Z", null));
        assertEquals(0, run(config, first, "--table", "shared_name"), err);

        assertEquals(1, run(config, second, "--table", "shared_name"));

        assertTrue(err.startsWith("error: table shared_name is registered at file:" + first.resolve("trusted/events")
                + ", not at file:" + second.resolve("trusted/events") + "; drop it (DROP TABLE shared_name: it is"
                + " external, the data stays) or pass another --table"), err);
        assertEquals(List.of("[a1]"), query("SELECT event_id FROM shared_name"));
        assertEquals(2, run(config, second, "--table", "bad-name.x"));
        assertTrue(err.startsWith("error: --table: 'bad-name.x' is not a table name; write db.name or name"), err);
    }

    @Test
    void aParquetTableGetsItsNewColumnsAndPartitions() {
        String location = root.resolve("parquet/orders").toUri().toString();
        spark.sql("SELECT 'o1' AS order_id, 10 AS amount, 2024 AS year UNION ALL SELECT 'o2', 20, 2024")
                .write().mode(SaveMode.Append).partitionBy("year").parquet(location);
        TableName table = TableName.parse("lakehouse.orders", "test");

        StepResult created = new RegisterTable(spark, table, location, "orders", Clock.systemUTC()).execute();
        assertEquals(1L, created.details().get("created"));
        assertEquals(List.of("[o1,10,2024]", "[o2,20,2024]"), query("SELECT * FROM lakehouse.orders ORDER BY order_id"));

        spark.sql("SELECT 'o3' AS order_id, 30 AS amount, 'EUR' AS currency, 'x' AS `odd``name`, 2025 AS year")
                .write().mode(SaveMode.Append).partitionBy("year").parquet(location);
        StepResult evolved = new RegisterTable(spark, table, location, "orders", Clock.systemUTC()).execute();

        assertEquals(0L, evolved.details().get("created"));
        assertEquals(2L, evolved.details().get("addedColumns"));
        assertEquals(List.of("[o1,null,null,2024]", "[o2,null,null,2024]", "[o3,EUR,x,2025]"),
                query("SELECT order_id, currency, `odd``name`, year FROM lakehouse.orders ORDER BY order_id"));
        assertEquals(List.of("[year=2024]", "[year=2025]"), query("SHOW PARTITIONS lakehouse.orders"));
        assertEquals(List.of("[o3]"), spark.sql("SELECT order_id FROM lakehouse.orders WHERE year = 2025")
                .as(Encoders.STRING()).collectAsList().stream().map(s -> "[" + s + "]").toList());
    }
}
