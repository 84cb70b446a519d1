package io.sluice.cli;

import io.sluice.config.DatasetProfile;
import io.sluice.config.SluiceConfig;
import io.sluice.report.StepResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Optional;

/** {@code sluice run}: parse, then distribute; the job a schedule runs. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Parse landing into stage, then distribute stage into trusted.")
final class RunCommand extends DataCommand {
    @Mixin
    ParseOptions parseOptions;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "Trusted table format: delta or parquet (default: the profile's, else delta).")
    Optional<DatasetProfile.TableFormat> format;

    @Override
    void validate(SluiceConfig config, DatasetProfile profile) {
        parseOptions.validate();
        Steps.typer(profile);
        Steps.kafkaClient(profile, options.dataset);
        Steps.jdbcClient(profile, options.dataset);
    }

    @Override
    List<StepResult> steps(Context context, List<StepResult> done) {
        done.add(ParseCommand.parse(context, parseOptions, root));
        done.add(DistributeCommand.distribute(context, format, root));
        return done;
    }
}
