package io.sluice.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The events job of {@link PlainSparkBaseline} as a single-node DuckDB job, the other yardstick of
 * {@code submit/bench.sh}: read the JSON lines (plain or gzip, types inferred from every record), drop records
 * without an id or a readable timestamp, keep the latest version per event_id, write Parquet partitioned like the
 * trusted table. DuckDB's JDBC driver is not in Sluice's jar: the harness puts it on the classpath. DuckDB runs with
 * its defaults (a thread per core, 80% of the machine's memory).
 */
public final class DuckDbBaseline {
    /**
     * The job. Paths are session variables set through prepared statements, so no path becomes SQL text; a string
     * with an offset is a point in time, one without is read in UTC, as the Spark baseline's session time zone.
     */
    private static final String JOB = """
            COPY (
              SELECT * EXCLUDE (ts),
                     concat_ws('-', domain, event_type) AS domain_event_type,
                     year(ts) AS year, month(ts) AS month, day(ts) AS day
              FROM (
                SELECT *, try_cast("timestamp" AS TIMESTAMPTZ) AS ts
                FROM read_json(getvariable('sluice_input'), format = 'newline_delimited', ignore_errors = true,
                               sample_size = -1)
              )
              WHERE event_id IS NOT NULL AND ts IS NOT NULL
              QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ts DESC) = 1
            ) TO (getvariable('sluice_output'))
              (FORMAT parquet, PARTITION_BY (domain_event_type, year, month, day))
            """;

    private DuckDbBaseline() {
    }

    /** Arguments: the input directory, the output directory (must not exist). */
    public static void main(String[] args) throws SQLException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: DuckDbBaseline <input dir> <output dir>");
        }
        Path input = Path.of(args[0]);
        Path output = Path.of(args[1]);
        if (!Files.isDirectory(input)) {
            throw new IllegalArgumentException("input " + input + " is not a directory");
        }
        if (Files.exists(output)) {
            throw new IllegalArgumentException("output " + output + " exists; remove it first");
        }
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
             Statement statement = duck.createStatement()) {
            statement.execute("SET TimeZone = 'UTC'");
            set(duck, "sluice_input", input.toAbsolutePath().resolve("*").toString());
            set(duck, "sluice_output", output.toAbsolutePath().toString());
            statement.execute(JOB);
        }
    }

    private static void set(Connection duck, String variable, String value) throws SQLException {
        // The variable's name is a constant of this class; only its value is a parameter.
        try (PreparedStatement set = duck.prepareStatement("SET VARIABLE " + variable + " = ?")) {
            set.setString(1, value);
            set.execute();
        }
    }
}
