package io.sluice.plan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/** A plan for this machine: {@code local-plan.txt}, the sizing and one {@code submit/local.sh} line per folder. */
public final class LocalPlan {
    /** Name of the plan file. */
    public static final String PLAN_FILE = "local-plan.txt";

    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    private final BackfillPlan plan;
    private final Machine machine;

    public LocalPlan(BackfillPlan plan, Machine machine) {
        this.plan = requireNonNull(plan, "plan is null");
        this.machine = requireNonNull(machine, "machine is null");
    }

    /**
     * The machine a local plan runs on.
     *
     * @param cores processors Spark may use, {@code local[cores]}
     * @param memoryMb driver heap, MB
     */
    public record Machine(int cores, long memoryMb) {
        /** This machine: its processors, and the heap this JVM may grow to. */
        public static Machine current() {
            Runtime runtime = Runtime.getRuntime();
            return new Machine(runtime.availableProcessors(), runtime.maxMemory() / (1024 * 1024));
        }

        /** {@code spark.sql.shuffle.partitions}: two tasks per core. */
        public int parallelism() {
            return 2 * cores;
        }
    }

    public List<Path> write(Path dir) {
        Path file = dir.resolve(PLAN_FILE);
        try {
            Files.createDirectories(dir);
            Files.write(file, lines(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the plan file " + file + ": " + e.getMessage(), e);
        }
        return List.of(file);
    }

    List<String> lines() {
        List<String> lines = new ArrayList<>();
        lines.add("# sluice backfill-history plan: dataset " + plan.dataset() + ", " + plan.folders().size()
                + " folder(s) from " + plan.source());
        lines.add("# machine: " + machine.cores() + " cores, " + machine.memoryMb() + " MB driver heap");
        lines.add("# spark: master local[" + machine.cores() + "], spark.driver.memory " + machine.memoryMb()
                + "m, spark.sql.shuffle.partitions " + machine.parallelism());
        lines.add("# Run the lines one after the other; each backfills one folder.");
        String environment = "SLUICE_MASTER=" + quote("local[" + machine.cores() + "]") + " SLUICE_DRIVER_MEMORY="
                + machine.memoryMb() + "m";
        for (String folder : plan.folders()) {
            StringBuilder line = new StringBuilder(environment).append(" submit/local.sh");
            for (String argument : plan.runArguments(folder)) {
                line.append(' ').append(quote(argument));
            }
            lines.add(line.toString());
        }
        return lines;
    }

    /** {@code argument} as one shell word: as is when safe, else in single quotes. */
    static String quote(String argument) {
        return SHELL_SAFE.matcher(argument).matches() ? argument : "'" + argument.replace("'", "'\\''") + "'";
    }
}
