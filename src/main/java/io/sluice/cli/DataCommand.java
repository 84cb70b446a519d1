package io.sluice.cli;

import io.sluice.catalog.RegisterTable;
import io.sluice.catalog.TableName;
import io.sluice.config.DatasetProfile;
import io.sluice.config.SluiceConfig;
import io.sluice.lake.CommittedBatches;
import io.sluice.lake.LakeLayout;
import io.sluice.report.StepResult;
import io.sluice.storage.Storages;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The shape of every data command: load and validate the config before Spark starts, open the session,
 * run the steps, print the summary and write the report, also when a step fails.
 */
abstract class DataCommand implements Callable<Integer> {
    /** The root command, looked up at the start of {@link #call}: a data command may sit below another one. */
    Sluice root;

    @CommandLine.Mixin
    ZoneOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--table", paramLabel = "DB.NAME",
            description = "After the run, register the trusted table in the session's catalog (Hive metastore, Glue,"
                    + " Databricks) under this name; default: the dataset profile's 'table'.")
    Optional<String> table;

    /**
     * Everything a command's steps need, ready.
     *
     * @param committedBatches the stage batches this command's parse committed, which its distribute reads
     */
    record Context(SluiceConfig config, DatasetProfile profile, String dataset, SparkSession spark, LakeLayout lake,
                   PrintWriter out, CommittedBatches committedBatches) {
    }

    /** Validates command-specific options and the profile before Spark starts. */
    void validate(SluiceConfig config, DatasetProfile profile) {
    }

    abstract List<StepResult> steps(Context context, List<StepResult> done);

    /** Whether this command registers the trusted table in the catalog when a name is given; commands that only read or parse say no. */
    boolean registersTable() {
        return true;
    }

    /** The catalog name of the trusted table: {@code --table}, else the profile's {@code table}. */
    private Optional<TableName> tableName(DatasetProfile profile) {
        if (table.isPresent()) {
            return Optional.of(TableName.parse(table.get(), "--table"));
        }
        return profile.tableName().map(name -> TableName.parse(name,
                options.config + ": datasets." + options.dataset + ".table"));
    }

    @Override
    public final Integer call() {
        root = (Sluice) spec.root().userObject();
        // "backfill-history run", not "run": the path below the root names the command.
        String command = spec.qualifiedName(" ").substring(spec.root().name().length()).strip();
        SluiceConfig config = options.load();
        DatasetProfile profile = options.profile(config);
        validate(config, profile);
        Optional<TableName> catalogName = registersTable() ? tableName(profile) : Optional.empty();
        Instant started = root.clock().instant();
        PrintWriter out = spec.commandLine().getOut();
        SparkSession spark = root.session(new SessionSettings("sluice " + command + " " + options.dataset,
                config.sparkSettings(), options.verbose));
        LakeLayout lake = new LakeLayout(config.zones(),
                Storages.open(spark.sessionState().newHadoopConf(), root.checkpoints()::reached));
        List<StepResult> done = new ArrayList<>();
        String status = "failed";
        String error = null;
        try {
            steps(new Context(config, profile, options.dataset, spark, lake, out, new CommittedBatches()), done);
            String trusted = lake.trustedTable(options.dataset);
            if (catalogName.isPresent() && lake.storage().exists(trusted)) {
                done.add(new RegisterTable(spark, catalogName.get(), trusted, options.dataset, root.clock()).execute());
            }
            status = "succeeded";
            return 0;
        } catch (RuntimeException e) {
            error = Sluice.describe(e);
            root.printFatal(e, command, spec.commandLine().getErr());
            throw e;
        } finally {
            RunReport.print(out, done);
            long duration = root.clock().millis() - started.toEpochMilli();
            out.printf("%s %s in %.1f s%n", command, status, duration / 1000.0);
            out.flush();
            if (options.report.isPresent()) {
                RunReport.write(options.report.get(), command, options.dataset, status, started, duration, done,
                        error);
            }
        }
    }

    /** Prints a progress line for long steps. */
    static java.util.function.Consumer<String> progress(PrintWriter out, String step) {
        return line -> {
            out.println("[" + step + "] " + line);
            out.flush();
        };
    }
}
