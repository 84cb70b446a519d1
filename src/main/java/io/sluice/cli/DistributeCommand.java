package io.sluice.cli;

import io.sluice.report.StepResult;
import io.sluice.steps.DistributeStage;
import picocli.CommandLine.Command;

import java.util.List;

/** {@code sluice distribute}: stage to the trusted table, one row per key, exactly once. */
@Command(name = "distribute", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Write the stage batches not yet distributed into the dataset's trusted Delta table,"
                + " one row per key (the greatest version wins), exactly once across batches.")
final class DistributeCommand extends DataCommand {
    /** Name of this step in reports and Delta transaction ids. */
    static final String STEP = "distribute";

    @Override
    List<StepResult> steps(Context context, List<StepResult> done) {
        done.add(distribute(context, root));
        return done;
    }

    static StepResult distribute(Context context, Sluice root) {
        return new DistributeStage(context.spark(), context.lake(), STEP, context.dataset(), context.profile(),
                context.config().distribute(), manifest -> true, false, root.checkpoints(), root.clock(),
                progress(context.out(), STEP)).execute();
    }
}
