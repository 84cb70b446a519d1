package io.sluice.cli;

import io.sluice.SparkTestSession;
import io.sluice.lake.Checkpoints;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
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
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code sluice ddl} on real tables: a Delta table made by {@code run}, a partitioned Parquet table, a missing one. */
class DdlCommandTest {
    private static final SparkSession SPARK = SparkTestSession.get();

    @TempDir
    static Path lake;
    private static Path config;

    private String out;
    private String err;

    @BeforeAll
    static void tables() throws IOException {
        config = lake.resolve("lake.yaml");
        Files.writeString(config, Files.readString(Path.of("conf/local.yaml")).replace("    format: delta\n",
                "    format: delta\n    table: lakehouse.events\n") + """
                  orders:
                    recordKey: [order_id]
                    version: updated_at
                    eventTime: updated_at
                    fields: {order_id: string, updated_at: timestamp, amount: double}
                    derived: {year: "year(_event_date)", region: "'eu'"}
                    partitions: [year, region]
                    format: parquet
                  refunds:
                    recordKey: [refund_id]
                    version: updated_at
                    eventTime: updated_at
                    fields: {refund_id: string, updated_at: timestamp}
                    format: parquet
                """);
        // The run registers nothing: no table in the shared session's catalog, no warehouse directory.
        Path runConfig = lake.resolve("run.yaml");
        Files.writeString(runConfig, Files.readString(config).replace("    table: lakehouse.events\n", ""));
        Files.createDirectories(lake.resolve("landing/pending"));
        Files.writeString(lake.resolve("landing/pending/e.json"), "{\"event_id\":\"e1\",\"timestamp\":"
                + "\"2024-03-01T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{\"v\":1}}\n");
        StringWriter sink = new StringWriter();
        CommandLine run = Sluice.commandLine(new Sluice(settings -> SPARK, Checkpoints.NONE, Clock.systemUTC()));
        run.setOut(new PrintWriter(sink));
        run.setErr(new PrintWriter(sink));
        assertEquals(0, run.execute("run", "--config", runConfig.toString(), "--landing", lake.resolve("landing").toString(),
                "--stage", lake.resolve("stage").toString(), "--trusted", lake.resolve("trusted").toString(),
                "--quarantine", lake.resolve("quarantine").toString()), sink.toString());
        SPARK.sql("SELECT 'o1' AS order_id, timestamp'2024-03-01 10:00:00' AS updated_at, 9.5 AS amount, 2023 AS year,"
                        + " 'eu' AS region UNION ALL SELECT 'o2', timestamp'2024-03-01 10:00:00', 1.0, 2024, 'us west'")
                .write().mode(SaveMode.Overwrite).partitionBy("year", "region")
                .parquet(lake.resolve("trusted/orders").toString());
    }

    private int ddl(String... args) {
        return ddl(config, args);
    }

    private int ddl(Path config, String... args) {
        StringWriter outText = new StringWriter();
        StringWriter errText = new StringWriter();
        CommandLine commandLine = Sluice.commandLine(new Sluice(settings -> SPARK, Checkpoints.NONE, Clock.systemUTC()));
        commandLine.setOut(new PrintWriter(outText));
        commandLine.setErr(new PrintWriter(errText));
        String[] all = new String[args.length + 5];
        System.arraycopy(new String[] {"ddl", "--config", config.toString(), "--trusted",
                lake.resolve("trusted").toString()}, 0, all, 0, 5);
        System.arraycopy(args, 0, all, 5, args.length);
        int code = commandLine.execute(all);
        out = outText.toString();
        err = errText.toString();
        return code;
    }

    private static String trusted(String table) {
        return "file:" + lake.resolve("trusted").resolve(table);
    }

    private static final String EVENTS_COLUMNS = """
            -- columns (from the table itself):
            --   event_id string
            --   timestamp timestamp
            --   domain string
            --   event_type string
            --   data string
            --   _extra string
            --   _source_file string
            --   _record_index bigint
            --   _batch_id string
            --   _batch_seq bigint
            --   _ingested_at timestamp
            --   _payload_hash bigint
            --   domain_event_type string  (partition)
            --   year int  (partition)
            --   month int  (partition)
            --   day int  (partition)
            """;
    private static final String ORDERS_COLUMNS = """
            -- columns (from the table itself):
            --   order_id string
            --   updated_at timestamp
            --   amount decimal(2,1)
            --   year int  (partition)
            --   region string  (partition)
            """;

    @Test
    void athenaRegistersDeltaByLocationAndProjectsParquetPartitions() {
        assertEquals(0, ddl("--engine", "athena"), err);

        assertEquals("-- lakehouse.events: delta table at " + trusted("events") + "\n" + EVENTS_COLUMNS + """
                CREATE EXTERNAL TABLE `lakehouse`.`events`
                LOCATION '%s'
                TBLPROPERTIES ('table_type'='DELTA');

                -- orders: parquet table at %s
                """.formatted(trusted("events"), trusted("orders")) + ORDERS_COLUMNS + """
                CREATE EXTERNAL TABLE IF NOT EXISTS `orders` (
                  `order_id` string,
                  `updated_at` timestamp,
                  `amount` decimal(2,1)
                )
                PARTITIONED BY (
                  `year` int,
                  `region` string
                )
                STORED AS PARQUET
                LOCATION '%s'
                -- ranges and values are the partitions present now: widen them as new ones arrive
                TBLPROPERTIES (
                  'projection.enabled'='true',
                  'projection.year.type'='integer',
                  'projection.year.range'='2023,2024',
                  'projection.region.type'='enum',
                  'projection.region.values'='eu,us west',
                  'storage.location.template'='%s/year=${year}/region=${region}/');

                -- refunds: parquet table at %s
                -- the table does not exist yet; its schema will come from the first distribute
                -- a Parquet table needs its columns: run distribute first, then ddl again

                """.formatted(trusted("orders"), trusted("orders"), trusted("refunds")), out);
    }

    @Test
    void hiveRegistersDeltaWithSparkSyntaxAndRepairsParquetPartitions() {
        assertEquals(0, ddl("--engine", "hive", "--dataset", "events"), err);
        assertEquals("-- lakehouse.events: delta table at " + trusted("events") + "\n" + EVENTS_COLUMNS + """
                CREATE DATABASE IF NOT EXISTS `lakehouse`;
                CREATE TABLE IF NOT EXISTS `lakehouse`.`events`
                USING DELTA
                LOCATION '%s';

                """.formatted(trusted("events")), out);

        assertEquals(0, ddl("--engine", "hive", "--dataset", "orders", "--table", "sales.orders"), err);
        assertEquals("-- sales.orders: parquet table at " + trusted("orders") + "\n" + ORDERS_COLUMNS + """
                CREATE DATABASE IF NOT EXISTS `sales`;
                CREATE EXTERNAL TABLE IF NOT EXISTS `sales`.`orders` (
                  `order_id` string,
                  `updated_at` timestamp,
                  `amount` decimal(2,1)
                )
                PARTITIONED BY (
                  `year` int,
                  `region` string
                )
                STORED AS PARQUET
                LOCATION '%s';
                MSCK REPAIR TABLE `sales`.`orders`;

                """.formatted(trusted("orders")), out);
    }

    @Test
    void theSparkDdlRunsAsPrintedAndFindsEveryPartition() {
        assertEquals(0, ddl("--engine", "spark", "--dataset", "orders", "--table", "ddl_orders"), err);
        assertEquals("-- ddl_orders: parquet table at " + trusted("orders") + "\n" + ORDERS_COLUMNS + """
                CREATE TABLE IF NOT EXISTS `ddl_orders` (
                  `order_id` STRING,
                  `updated_at` TIMESTAMP,
                  `amount` DECIMAL(2,1),
                  `year` INT,
                  `region` STRING
                )
                USING PARQUET
                PARTITIONED BY (`year`, `region`)
                LOCATION '%s';
                MSCK REPAIR TABLE `ddl_orders`;

                """.formatted(trusted("orders")), out);
        try {
            for (String statement : out.replaceAll("(?m)^--.*\n", "").split(";\n")) {
                if (!statement.isBlank()) {
                    SPARK.sql(statement);
                }
            }
            assertEquals(List.of("[o1,2023,eu]", "[o2,2024,us west]"), SPARK.sql("SELECT order_id, year, region"
                    + " FROM ddl_orders ORDER BY order_id").collectAsList().stream().map(Object::toString).toList());
        } finally {
            SPARK.sql("DROP TABLE IF EXISTS ddl_orders");
        }
    }

    @Test
    void aTableWithHostileNamesAndPartitionValuesIsRegisteredAsPrintedWithEveryRow() throws IOException {
        Path hostile = lake.resolve("hostile.yaml");
        Files.writeString(hostile, """
                zones: {landing: lake/landing, stage: lake/stage, trusted: lake/trusted, quarantine: lake/quarantine}
                datasets:
                  tickets:
                    recordKey: [ticket_id]
                    version: updated_at
                    eventTime: updated_at
                    fields: {ticket_id: string, updated_at: timestamp}
                    derived: {region: "'eu'"}
                    partitions: [region]
                    format: parquet
                """);
        List<String> regions = Arrays.asList("it's", "a,b", "x=y/z\\", "50%", "ünï", null);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < regions.size(); i++) {
            rows.add(RowFactory.create("t" + i, "v`" + i, regions.get(i)));
        }
        SPARK.createDataFrame(rows, new StructType()
                        .add("ticket_id", "string").add("odd`name", "string").add("region", "string"))
                .write().mode(SaveMode.Overwrite).partitionBy("region").parquet(lake.resolve("trusted/tickets").toString());

        assertEquals(0, ddl(hostile, "--engine", "athena"), err);
        assertEquals(true, out.contains("  `odd``name` string\n"), out);
        assertEquals(true, out.contains("-- no partition projection: column region has the value '50%', stored in the"
                + " folder region=50%25; the partitions are registered from their folders instead\n"
                + "MSCK REPAIR TABLE `tickets`;\n"), out);

        assertEquals(0, ddl(hostile, "--engine", "spark", "--table", "ddl_tickets", "--dataset", "tickets"), err);
        try {
            for (String statement : out.replaceAll("(?m)^--.*\n", "").split(";\n")) {
                if (!statement.isBlank()) {
                    SPARK.sql(statement);
                }
            }
            List<String> read = SPARK.table("ddl_tickets").orderBy("ticket_id").collectAsList().stream()
                    .map(Object::toString).toList();
            assertEquals(List.of("[t0,v`0,it's]", "[t1,v`1,a,b]", "[t2,v`2,x=y/z\\]", "[t3,v`3,50%]", "[t4,v`4,ünï]",
                    "[t5,v`5,null]"), read);
        } finally {
            SPARK.sql("DROP TABLE IF EXISTS ddl_tickets");
        }
    }

    @Test
    void badOptionsAreNamed() {
        assertEquals(2, ddl("--engine", "athena", "--table", "x.y"));
        assertEquals(true, err.startsWith("--table needs --dataset: it names one table"), err);
        assertEquals(2, ddl("--engine", "presto"));
        assertEquals(true, err.contains("Invalid value for option '--engine': expected one of [ATHENA, HIVE, SPARK]"), err);
        assertEquals(2, ddl("--engine", "spark", "--dataset", "events", "--table", "a.b.c"));
        assertEquals("error: --table: 'a.b.c' is not a table name; write db.name or name, with letters, digits and"
                + " underscores only (what Glue, Athena and Hive all accept)\n", err);
    }
}
