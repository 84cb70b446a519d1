package io.sluice.cli;

import io.sluice.report.StepResult;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/**
 * {@code sluice sql}: query the lake locally. {@code trusted}, {@code stage} and {@code quarantine} are views
 * of the dataset's tables in those zones.
 */
@Command(name = "sql", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Run a Spark SQL query; the views trusted, stage and quarantine show the dataset's tables.")
final class SqlCommand extends DataCommand {
    @Parameters(paramLabel = "QUERY", description = "e.g. \"SELECT domain_event_type, count(*) FROM trusted GROUP BY 1\"")
    String query;

    @Option(names = "--limit", defaultValue = "50", description = "Rows to show (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    List<StepResult> steps(Context context, List<StepResult> done) {
        register(context, "trusted", context.lake().trustedTable(context.dataset()));
        register(context, "stage", context.lake().stageTable(context.dataset()));
        register(context, "quarantine", context.lake().quarantineTable(context.dataset()));
        Dataset<Row> result = context.spark().sql(query);
        context.out().println(result.showString(limit, 100, false));
        return done;
    }

    private static void register(Context context, String view, String path) {
        if (io.sluice.lake.DeltaWrites.exists(context.spark(), path)) {
            context.spark().read().format("delta").load(path).createOrReplaceTempView(view);
        }
    }

    @Override
    boolean registersTable() {
        return false;
    }
}
