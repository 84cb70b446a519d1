package io.sluice.cli;

import io.sluice.SparkTestSession;
import io.sluice.lake.Checkpoints;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@code sluice} commands as a user would, in the test JVM's shared Spark session, with every zone under
 * one directory, a clock the test moves, and failure points the test sets.
 */
final class SluiceCli {
    private final String lake;
    private final List<String> extra;
    private Instant now = Instant.parse("2019-08-23T09:10:00Z");
    private String out = "";
    private String err = "";
    private java.util.function.Supplier<org.apache.spark.sql.SparkSession> session = SparkTestSession::get;

    /** @param extra arguments added to every data command, e.g. {@code --config FILE} */
    SluiceCli(Path lake, String... extra) {
        this(lake.toString(), extra);
    }

    /** @param lake the root of the zones: a local path or a URI such as {@code s3a://bucket/lake} */
    SluiceCli(String lake, String... extra) {
        this.lake = lake;
        this.extra = List.of(extra);
    }

    /** Runs the commands in {@code spark}, e.g. a new session of the shared context, as a second job would. */
    SluiceCli in(org.apache.spark.sql.SparkSession spark) {
        session = () -> spark;
        return this;
    }

    void at(String instant) {
        now = Instant.parse(instant);
    }

    /** A zone or a path below the local lake. */
    Path zone(String name) {
        return Path.of(lake).resolve(name);
    }

    /** A zone or a path below the lake, as a URI string, whatever the lake's file system. */
    String location(String name) {
        return lake + "/" + name;
    }

    int run(String... args) {
        return run(Checkpoints.NONE, args);
    }

    int run(Checkpoints checkpoints, String... args) {
        StringWriter outText = new StringWriter();
        StringWriter errText = new StringWriter();
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        CommandLine commandLine = Sluice.commandLine(new Sluice(settings -> session.get(), checkpoints, clock));
        commandLine.setOut(new PrintWriter(outText));
        commandLine.setErr(new PrintWriter(errText));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(extra);
        for (String zone : List.of("landing", "stage", "trusted", "quarantine")) {
            all.addAll(List.of("--" + zone, location(zone)));
        }
        int code = commandLine.execute(all.toArray(String[]::new));
        out = outText.toString();
        err = errText.toString();
        return code;
    }

    String out() {
        return out;
    }

    String err() {
        return err;
    }
}
