package io.sluice.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sluice backfill-history}: loads a dataset's historical folders, planned first, then run folder by folder. */
@Command(name = "backfill-history", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Backfill a dataset's historical folders: 'plan' writes the cluster definitions and steps,"
                + " 'copy' brings the folders into the lake's bucket, 'run' writes folders into the trusted table.",
        subcommands = {BackfillPlanCommand.class, BackfillCopyCommand.class, BackfillRunCommand.class})
final class BackfillHistoryCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
