package io.sluice.cli;

import io.sluice.config.DatasetProfile;
import io.sluice.config.ParseSettings;
import io.sluice.config.SluiceConfig;
import io.sluice.report.StepResult;
import io.sluice.config.Source;
import io.sluice.steps.ParseLanding;
import io.sluice.steps.JdbcRows;
import io.sluice.steps.PullJdbc;
import io.sluice.steps.PullKafka;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Duration;
import java.util.List;

/** {@code sluice parse}: landing/pending to stage, bad records to quarantine, files to processed. */
@Command(name = "parse", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Parse every file in <landing>/pending/ into the stage zone, quarantine bad records,"
                + " and move the files to <landing>/processed/date=YYYY-MM-DD/.")
final class ParseCommand extends DataCommand {
    @Mixin
    ParseOptions parseOptions;

    @Override
    void validate(SluiceConfig config, DatasetProfile profile) {
        parseOptions.validate();
        Steps.typer(profile);
        Steps.kafkaClient(profile, options.dataset);
        Steps.jdbcClient(profile, options.dataset);
    }

    @Override
    List<StepResult> steps(Context context, List<StepResult> done) {
        done.add(parse(context, parseOptions, root));
        return done;
    }

    static StepResult parse(Context context, ParseOptions options, Sluice root) {
        ParseSettings settings = options.applyTo(context.config().parse());
        Source source = context.profile().sourceOrFiles();
        if (source.kind() == Source.Kind.KAFKA) {
            long maxRecords = options.maxRecords != null ? options.maxRecords : source.recordsPerBatch();
            return new PullKafka(context.spark(), context.lake(), context.dataset(), source,
                    Steps.kafkaClient(context.profile(), context.dataset()).orElseThrow(), settings,
                    maxRecords, Steps.typer(context.profile()), root.checkpoints(), root.clock(),
                    Duration.ofSeconds(2), progress(context.out(), PullKafka.STEP)).execute();
        }
        if (source.kind() == Source.Kind.JDBC) {
            JdbcRows rows = new JdbcRows(context.spark(), context.lake(), context.dataset(), context.profile(),
                    Steps.typer(context.profile()), settings.maxBadRatio(), root.checkpoints());
            return new PullJdbc(context.spark(), context.lake(), context.dataset(), source,
                    context.profile().fieldTypes().get(source.watermarkColumn()), Steps.jdbcClient(context.profile(), context.dataset()).orElseThrow(), settings, options.fullRefresh,
                    rows, root.checkpoints(), root.clock(), progress(context.out(), PullJdbc.STEP)).execute();
        }
        if (options.fullRefresh) {
            throw new io.sluice.config.ConfigException("--full-refresh applies to a JDBC source; dataset "
                    + context.dataset() + " reads " + source.kind().name().toLowerCase(java.util.Locale.ROOT));
        }
        return new ParseLanding(context.spark(), context.lake(), context.dataset(), context.profile(), settings,
                Steps.typer(context.profile()), root.checkpoints(), root.clock(),
                progress(context.out(), ParseLanding.STEP), context.committedBatches()).execute();
    }

    @Override
    boolean registersTable() {
        return false;
    }
}
