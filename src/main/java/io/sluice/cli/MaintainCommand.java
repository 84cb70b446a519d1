package io.sluice.cli;

import io.sluice.config.DatasetProfile;
import io.sluice.config.MaintainSettings;
import io.sluice.config.SluiceConfig;
import io.sluice.report.StepResult;
import io.sluice.steps.MaintainTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code sluice maintain}: compaction, VACUUM and log checkpoints for a dataset's Delta tables. */
@Command(name = "maintain", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Keep a dataset's Delta tables healthy: compact the small files hourly runs leave into files of"
                + " distribute.targetFileSizeMb (only partitions with more than one small file are rewritten), VACUUM"
                + " files no version within the retention needs, and checkpoint each log. Safe beside a running"
                + " parse or distribute: compaction changes no row, and yields to a conflicting commit.",
                "Example: sluice maintain --dataset events --config conf/emr.yaml"})
final class MaintainCommand extends DataCommand {

    @Option(names = "--retain", paramLabel = "DURATION",
            description = "VACUUM retention, ISO-8601 (e.g. P30D); default: maintain.vacuumRetention, else P7D."
                    + " At least P7D: time travel and queries within it keep working.")
    Optional<Duration> retain;

    @Option(names = "--no-vacuum", description = "Compact and checkpoint only; delete no file.")
    boolean noVacuum;

    @Override
    void validate(SluiceConfig config, DatasetProfile profile) {
        if (noVacuum && retain.isPresent()) {
            throw new ParameterException(spec.commandLine(), "--retain and --no-vacuum exclude each other");
        }
        retain.ifPresent(duration -> {
            try {
                MaintainSettings.checkRetention(duration, "--retain");
            } catch (RuntimeException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        });
    }

    @Override
    boolean registersTable() {
        return false;
    }

    @Override
    List<StepResult> steps(Context context, List<StepResult> done) {
        Optional<Duration> retention = noVacuum ? Optional.empty()
                : Optional.of(retain.orElse(context.config().maintain().vacuumRetentionDuration()));
        long target = context.config().distribute().targetFileSizeMb() * 1024L * 1024L;
        done.add(new MaintainTables(context.spark(), context.lake(), context.dataset(),
                context.profile().gold().keySet(), target, retention, root.clock(),
                progress(context.out(), MaintainTables.STEP)).execute());
        return done;
    }
}
