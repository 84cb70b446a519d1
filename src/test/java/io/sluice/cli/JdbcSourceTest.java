package io.sluice.cli;

import io.sluice.SparkTestSession;
import io.sluice.lake.Checkpoints;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run} of a dataset whose source is a PostgreSQL table read incrementally by a watermark, against a real
 * PostgreSQL started here: rows sharing the boundary watermark, a row committed late inside the overlap, updates and
 * soft deletes over several runs, a crash anywhere then a rerun; the trusted table equals the database.
 */
class JdbcSourceTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final String PASSWORD = "pw-never-printed-7f3a";
    private static final AtomicInteger TABLES = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    @TempDir
    Path lake;

    private String table;
    private SluiceCli cli;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        postgres.close();
    }

    /** The profile's required fields. */
    private String required = "[id, updated_at, page]";

    private void setUp(String... moreSource) throws IOException, SQLException {
        table = "clicks_" + TABLES.incrementAndGet();
        sql("CREATE TABLE " + table + " (id text PRIMARY KEY, updated_at timestamptz, page text, deleted boolean"
                + " NOT NULL DEFAULT false)");
        Path passwordFile = lake.resolve("db-password");
        Files.writeString(passwordFile, PASSWORD + "\n");
        Path config = lake.resolve("sluice.yaml");
        Files.writeString(config, String.join("\n",
                "datasets:",
                "  clicks:",
                "    recordKey: [id]",
                "    version: updated_at",
                "    eventTime: updated_at",
                "    fields:",
                "      id: string",
                "      updated_at: timestamp",
                "      page: string",
                "      deleted: boolean",
                "    required: " + required,
                "    source:",
                "      kind: jdbc",
                "      url: jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres",
                "      table: public." + table,
                "      watermarkColumn: updated_at",
                "      overlap: PT1H",
                "      fetchSize: 2",
                "      user: postgres",
                "      passwordFile: " + passwordFile,
                "      softDeleteColumn: deleted",
                String.join("\n", moreSource), ""));
        cli = new SluiceCli(lake, "--config", config.toString(), "--dataset", "clicks");
    }

    private static void sql(String... statements) throws SQLException {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            for (String s : statements) {
                statement.execute(s);
            }
        }
    }

    /** The oracle: every usable row of the table, as the trusted table must hold it. */
    private List<String> database() throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT id, page, deleted, updated_at FROM " + table
                     + " WHERE page IS NOT NULL")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " | " + rs.getString(2) + " | " + rs.getBoolean(3) + " | "
                        + rs.getTimestamp(4).toInstant());
            }
        }
        return rows.stream().sorted().toList();
    }

    private List<String> trusted() {
        return SPARK.read().format("delta").load(lake.resolve("trusted/clicks").toString())
                .select("id", "page", "deleted", "updated_at").collectAsList().stream()
                .map(r -> r.getString(0) + " | " + r.getString(1) + " | " + r.getBoolean(2) + " | "
                        + r.getTimestamp(3).toInstant())
                .sorted().toList();
    }

    private void firstRows() throws SQLException {
        sql("INSERT INTO " + table + " (id, updated_at, page) VALUES"
                + " ('a', '2024-03-01T10:00:00Z', 'home'), ('b', '2024-03-01T10:05:00Z', 'cart'),"
                + " ('c', '2024-03-01T10:10:00Z', 'x'), ('d', '2024-03-01T10:10:00Z', 'y'),"
                + " ('e', '2024-03-01T10:10:00Z', 'o''brien\\\\'), ('f', '2024-03-01T10:10:00Z', NULL)");
    }

    private void laterChanges() throws SQLException {
        sql("INSERT INTO " + table + " (id, updated_at, page) VALUES ('g', '2024-03-01T10:10:00Z', 'same watermark')",
                "INSERT INTO " + table + " (id, updated_at, page) VALUES ('h', '2024-03-01T09:50:00Z', 'committed late')",
                "UPDATE " + table + " SET updated_at = '2024-03-01T11:00:00Z', page = 'home v2' WHERE id = 'a'",
                "UPDATE " + table + " SET updated_at = '2024-03-01T11:30:00Z', deleted = true WHERE id = 'b'");
    }

    /** A row without its key is quarantined even where the key is not a required field: it cannot be deduplicated. */
    @Test
    void rowsWithoutTheirKeyAreQuarantinedWhenTheKeyIsNotRequired() throws Exception {
        required = "[updated_at]";
        setUp();
        sql("ALTER TABLE " + table + " DROP CONSTRAINT " + table + "_pkey",
                "ALTER TABLE " + table + " ALTER COLUMN id DROP NOT NULL",
                "INSERT INTO " + table + " (id, updated_at, page) VALUES ('a', '2024-03-01T10:00:00Z', 'home'),"
                        + " (NULL, '2024-03-01T10:01:00Z', 'x'), (NULL, '2024-03-01T10:02:00Z', 'y')");

        assertEquals(0, cli.run("run"), cli.err());

        assertEquals(List.of("a | home | false | 2024-03-01T10:00:00Z"), trusted());
        assertEquals(List.of("missing record key: field 'id' is absent, null or empty | x",
                        "missing record key: field 'id' is absent, null or empty | y"),
                SPARK.read().format("delta").load(lake.resolve("quarantine/clicks").toString())
                        .selectExpr("concat_ws(' | ', reason, get_json_object(raw, '$.page'))")
                        .as(Encoders.STRING()).collectAsList().stream().sorted().toList());
    }

    @Test
    void incrementalRunsCatchBoundaryAndLateRowsAndTheTrustedTableEqualsTheDatabase() throws Exception {
        setUp();
        firstRows();
        assertEquals(0, cli.run("run", "--report", lake.resolve("report.json").toString()), cli.err());
        assertEquals(database(), trusted());
        assertEquals(5, trusted().size());
        assertEquals(List.of("missing required field 'page' | jdbc:public." + table
                        + " | {\"id\":\"f\",\"updated_at\":\"2024-03-01T07:10:00.000-03:00\",\"deleted\":false}"),
                SPARK.read().format("delta").load(lake.resolve("quarantine/clicks").toString())
                        .selectExpr("concat_ws(' | ', reason, source_file, raw)").as(Encoders.STRING()).collectAsList());

        laterChanges();
        assertEquals(0, cli.run("run", "--report", lake.resolve("report.json").toString()), cli.err());
        assertEquals(database(), trusted());
        assertTrue(trusted().contains("b | cart | true | 2024-03-01T11:30:00Z"), trusted().toString());
        assertTrue(trusted().contains("h | committed late | false | 2024-03-01T09:50:00Z"), trusted().toString());

        List<String> before = trusted();
        assertEquals(0, cli.run("run"), cli.err());
        assertEquals(before, trusted(), "a rerun with nothing new changes nothing downstream");

        String everything = cli.out() + cli.err() + Files.readString(lake.resolve("report.json"));
        assertFalse(everything.contains(PASSWORD), "the password is never printed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc.planned", "jdbc.stageCommitted", "jdbc.quarantineCommitted", "jdbc.committed",
            "distribute.trustedCommitted"})
    void aCrashAnywhereThenARerunLeavesTheTrustedTableEqualToTheDatabase(String point) throws Exception {
        setUp();
        firstRows();
        assertEquals(0, cli.run("run"), cli.err());
        laterChanges();
        Checkpoints crash = name -> {
            if (name.equals(point)) {
                throw new PipelineTest.SimulatedCrash(name);
            }
        };
        assertEquals(1, cli.run(crash, "run"));
        assertTrue(cli.err().contains("simulated crash at " + point), cli.err());
        assertEquals(0, cli.run("run"), cli.err());
        assertEquals(database(), trusted());
        assertEquals(List.of(1L, 1L), SPARK.read().format("delta").load(lake.resolve("quarantine/clicks").toString())
                .groupBy("batch_seq").count().orderBy("batch_seq").select("count").as(Encoders.LONG()).collectAsList(),
                "the bad row is quarantined once per batch that read it");
    }

    @Test
    void aNumericWatermarkLikeARowversionReadsIncrementallyWithAnOverlapOfVersions() throws Exception {
        setUp();
        sql("ALTER TABLE " + table + " ADD COLUMN rv bigint");
        Path config = lake.resolve("sluice.yaml");
        Files.writeString(config, Files.readString(config)
                .replace("    version: updated_at\n", "    version: rv\n")
                .replace("      deleted: boolean\n", "      deleted: boolean\n      rv: long\n")
                .replace("watermarkColumn: updated_at", "watermarkColumn: rv")
                .replace("overlap: PT1H", "overlap: \"2\""));
        sql("INSERT INTO " + table + " (id, rv, updated_at, page) VALUES"
                + " ('a', 1, '2024-03-01T10:00:00Z', 'home'), ('b', 2, '2024-03-01T10:05:00Z', 'cart'),"
                + " ('c', 3, '2024-03-01T10:10:00Z', 'x'), ('d', 3, '2024-03-01T10:10:00Z', 'y')");
        assertEquals(0, cli.run("run"), cli.err());
        assertEquals(database(), trusted());
        assertEquals(4, trusted().size());

        // A row sharing the committed version 3, one committed late with version 2 (inside the overlap of 2 versions),
        // and an update that gives 'a' version 5.
        sql("INSERT INTO " + table + " (id, rv, updated_at, page) VALUES ('e', 3, '2024-03-01T10:20:00Z', 'same version'),"
                        + " ('f', 2, '2024-03-01T10:30:00Z', 'committed late')",
                "UPDATE " + table + " SET rv = 5, page = 'home v2' WHERE id = 'a'");
        assertEquals(0, cli.run("run"), cli.err());
        assertEquals(database(), trusted());
        assertTrue(trusted().contains("a | home v2 | false | 2024-03-01T10:00:00Z"), trusted().toString());
        assertTrue(trusted().contains("f | committed late | false | 2024-03-01T10:30:00Z"), trusted().toString());
        assertTrue(cli.out().contains("rows with rv from 1 up to 5"), cli.out());

        List<String> before = trusted();
        assertEquals(0, cli.run("run"), cli.err());
        assertEquals(before, trusted(), "a rerun with nothing new changes nothing downstream");

        Files.writeString(config, Files.readString(config).replace("overlap: \"2\"", "overlap: PT1H"));
        assertEquals(2, cli.run("parse"));
        assertTrue(cli.err().contains(".overlap: 'PT1H' is not a number of versions; with a numeric watermark"
                + " (rv: long) give e.g. 1000, or 0 for none"), cli.err());
    }

    @Test
    void aPasswordVariableThatIsNotSetIsNamedBeforeAnythingRuns() throws Exception {
        setUp("      passwordEnv: SLUICE_TEST_UNSET_PASSWORD");
        Path config = lake.resolve("sluice.yaml");
        Files.writeString(config, Files.readString(config).replaceAll("      passwordFile: .*\n", ""));
        assertEquals(2, cli.run("parse"));
        assertTrue(cli.err().contains("error: datasets.clicks.source.passwordEnv names the environment variable"
                + " SLUICE_TEST_UNSET_PASSWORD, which is not set"), cli.err());
        assertFalse(Files.exists(lake.resolve("stage/clicks")));
    }
}
