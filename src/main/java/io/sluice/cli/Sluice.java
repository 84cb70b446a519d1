package io.sluice.cli;

import io.sluice.config.ConfigException;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.ConcurrentRunException;
import io.sluice.report.Failures;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;

/**
 * The {@code sluice} command: moves data through a lake, landing to stage to trusted, exactly once.
 * {@link #main} is the only place that decides the process's exit code.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Moves data through a lake, landing -> stage -> trusted, exactly once, on Apache Spark.",
        subcommands = {
                ParseCommand.class,
                DistributeCommand.class,
                RunCommand.class,
                RepartitionCommand.class,
                MaintainCommand.class,
                PublishCommand.class,
                StatusCommand.class,
                GenerateCommand.class,
                SqlCommand.class,
                DdlCommand.class,
                BackfillHistoryCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the run failed", "2:usage or configuration error"})
public final class Sluice implements Runnable {
    /** Exit code of a failed run. */
    public static final int EXIT_FAILED = 1;
    /** Exit code of a usage or configuration error. */
    public static final int EXIT_USAGE = 2;

    private final Function<SessionSettings, SparkSession> sessions;
    private final Checkpoints checkpoints;
    private final Clock clock;
    /** A failure whose error line {@link #printFatal} already printed. */
    private Throwable printedFatal;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** The production wiring: a session from spark-submit or the platform, failure points from the environment. */
    public Sluice() {
        this(Sessions::open, Checkpoints.fromEnvironment(), Clock.systemUTC());
    }

    /** Wiring for tests: their shared session, their failure points, their clock. */
    public Sluice(Function<SessionSettings, SparkSession> sessions, Checkpoints checkpoints, Clock clock) {
        this.sessions = sessions;
        this.checkpoints = checkpoints;
        this.clock = clock;
    }

    public static void main(String[] args) {
        int code = commandLine(new Sluice()).execute(args);
        if (code == 0) {
            return;
        }
        if (System.getenv("DATABRICKS_RUNTIME_VERSION") != null) {
            // The platform owns the JVM: fail the task by throwing, never by exiting.
            throw new IllegalStateException("sluice failed with exit code " + code + "; see the output above");
        }
        System.exit(code);
    }

    /** A configured command line: error handling and exit codes as users see them. */
    public static CommandLine commandLine(Sluice sluice) {
        CommandLine commandLine = new CommandLine(sluice);
        commandLine.setExecutionExceptionHandler(Sluice::handle);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        return commandLine;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    SparkSession session(SessionSettings settings) {
        return sessions.apply(settings);
    }

    Checkpoints checkpoints() {
        return checkpoints;
    }

    Clock clock() {
        return clock;
    }

    private static int handle(Exception e, CommandLine commandLine, CommandLine.ParseResult parsed) {
        PrintWriter err = commandLine.getErr();
        boolean verbose = parsed.hasMatchedOption("--verbose")
                || Optional.ofNullable(parsed.subcommand()).map(s -> s.hasMatchedOption("--verbose")).orElse(false);
        if (e instanceof ConfigException) {
            err.println("error: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (e instanceof CommandLine.ParameterException p) {
            err.println("error: " + p.getMessage());
            return EXIT_USAGE;
        }
        String root = commandLine.getCommandSpec().root().name();
        String command = Optional.ofNullable(parsed.subcommand()).map(CommandLine.ParseResult::commandSpec)
                .map(spec -> spec.qualifiedName(" ").substring(root.length()).strip()).orElse(root);
        boolean sparkStopped = SparkSession.getActiveSession().isDefined()
                && SparkSession.getActiveSession().get().sparkContext().isStopped();
        Sluice sluice = (Sluice) commandLine.getCommandSpec().root().userObject();
        if (sluice.printedFatal != e) {
            err.println("error: " + Failures.fatalCondition(e, command, sparkStopped).orElseGet(() -> describe(e)));
        }
        if (verbose) {
            e.printStackTrace(err);
        } else if (!(e instanceof ConcurrentRunException)) {
            err.println("(run again with --verbose for the stack trace)");
        }
        err.flush();
        return EXIT_FAILED;
    }

    /**
     * Prints {@code failure}'s error line at once when it is a fatal condition (out of memory, a full disk, a lost
     * executor): in local mode Spark ends the JVM (exit code 52) right after a task runs out of memory, and the line
     * printed on the way out through {@link #handle} would often be cut off. {@link #handle} does not print it twice.
     */
    void printFatal(Throwable failure, String command, PrintWriter err) {
        Failures.fatalCondition(failure, command, false).ifPresent(line -> {
            err.println("error: " + line);
            err.flush();
            printedFatal = failure;
        });
    }

    /** The message of {@code e} and of each distinct cause, so the root cause is never hidden. */
    static String describe(Throwable e) {
        return Failures.describe(e, "\n  caused by: ");
    }
}
