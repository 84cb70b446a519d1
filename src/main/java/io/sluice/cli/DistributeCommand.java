package io.sluice.cli;

import io.sluice.config.ConfigException;
import io.sluice.config.DatasetProfile;
import io.sluice.config.DatasetProfile.TableFormat;
import io.sluice.report.StepResult;
import io.sluice.steps.DistributeStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Optional;

/** {@code sluice distribute}: stage to the trusted table, one row per key, exactly once. */
@Command(name = "distribute", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Write the stage batches not yet distributed into the dataset's trusted Delta table,"
                + " one row per key (the greatest version wins), exactly once across batches.")
final class DistributeCommand extends DataCommand {
    /** Name of this step in reports and Delta transaction ids. */
    static final String STEP = "distribute";

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "Trusted table format: delta or parquet (default: the profile's, else delta). Parquet"
                    + " dedups within the partitions a batch lands in and has no atomic commit; see the README.")
    Optional<TableFormat> format;

    @Override
    List<StepResult> steps(Context context, List<StepResult> done) {
        String stage = context.lake().stageTable(context.dataset());
        if (!context.lake().storage().exists(stage)) {
            // Alone, distribute reads a stage that parse wrote; an empty or mistyped --stage is not "0 batches".
            throw new ConfigException("there is no stage table at " + stage
                    + ": nothing was parsed into this stage zone for dataset '" + context.dataset() + "'. Check --stage"
                    + " (or zones.stage in " + options.config + "), or run 'sluice parse' first");
        }
        done.add(distribute(context, format, root));
        return done;
    }

    static StepResult distribute(Context context, Optional<TableFormat> format, Sluice root) {
        DatasetProfile profile = format.map(context.profile()::withFormat).orElse(context.profile());
        return new DistributeStage(context.spark(), context.lake(), STEP, context.dataset(), context.dataset(), profile,
                context.config().distribute(), DistributeStage.Selection.PENDING, root.checkpoints(), root.clock(),
                progress(context.out(), STEP), context.committedBatches()).execute();
    }
}
