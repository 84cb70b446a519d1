package io.sluice.cli;

import io.sluice.lake.Checkpoints;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/** Runs {@code sluice backfill-history plan} as a user would, with a session factory that fails: plans never start Spark. */
final class PlanRunner {
    /** Exit code and printed output of one run. */
    record Result(int exitCode, String out, String err) {
    }

    private PlanRunner() {
    }

    /** A config with an {@code orders} dataset whose history is {@code HH_CheckoutOrder} folders. */
    static Path config(Path dir) throws IOException {
        Path config = dir.resolve("sluice.yaml");
        Files.writeString(config, """
                zones: {landing: lake/landing, stage: lake/stage, trusted: lake/trusted, quarantine: lake/quarantine}
                datasets:
                  orders:
                    recordKey: [id]
                    version: updated_at
                    eventTime: updated_at
                    fields: {id: string, updated_at: timestamp}
                    history:
                      folderPattern: "^[0-9A-F]{2}_CheckoutOrder$"
                      expectedFolders: ["{HH}_CheckoutOrder"]
                      documentsUnder: id
                """);
        return config;
    }

    /** A history of {@code count} folders {@code 00_CheckoutOrder, 01_CheckoutOrder, ...} under {@code dir}. */
    static Path history(Path dir, int count) throws IOException {
        Path source = dir.resolve("history");
        for (int i = 0; i < count; i++) {
            Files.createDirectories(source.resolve(String.format("%02X_CheckoutOrder", i)).resolve("id"));
        }
        return source;
    }

    static Result plan(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Sluice sluice = new Sluice(settings -> {
            throw new AssertionError("plan opened a SparkSession");
        }, Checkpoints.fromEnvironment(), Clock.systemUTC());
        var commandLine = Sluice.commandLine(sluice);
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exit = commandLine.execute(args.toArray(String[]::new));
        return new Result(exit, out.toString(), err.toString());
    }
}
