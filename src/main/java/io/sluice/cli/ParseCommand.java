package io.sluice.cli;

import io.sluice.config.DatasetProfile;
import io.sluice.config.ParseSettings;
import io.sluice.config.SluiceConfig;
import io.sluice.report.StepResult;
import io.sluice.steps.ParseLanding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code sluice parse}: landing/pending to stage, bad records to quarantine, files to processed. */
@Command(name = "parse", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Parse every file in <landing>/pending/ into the stage zone, quarantine bad records,"
                + " and move the files to <landing>/processed/date=YYYY-MM-DD/.")
final class ParseCommand extends DataCommand {
    @Option(names = "--max-bad-ratio", paramLabel = "RATIO",
            description = "Fail before committing when more than RATIO (0..1) of the records are bad (default: off).")
    Double maxBadRatio;

    @Override
    void validate(SluiceConfig config, DatasetProfile profile) {
        if (maxBadRatio != null && (maxBadRatio < 0 || maxBadRatio > 1)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--max-bad-ratio must be between 0 and 1, got " + maxBadRatio);
        }
        Steps.typer(profile);
    }

    @Override
    List<StepResult> steps(Context context, List<StepResult> done) {
        done.add(parse(context, maxBadRatio, root));
        return done;
    }

    static StepResult parse(Context context, Double maxBadRatio, Sluice root) {
        ParseSettings settings = context.config().parse();
        if (maxBadRatio != null) {
            settings = new ParseSettings(settings.lockTimeout(), maxBadRatio);
        }
        return new ParseLanding(context.spark(), context.lake(), context.dataset(), context.profile(), settings,
                Steps.typer(context.profile()), root.checkpoints(), root.clock(),
                progress(context.out(), ParseLanding.STEP)).execute();
    }

    @Override
    boolean registersTable() {
        return false;
    }
}
