package io.sluice;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real headless Chromium from the distribution's packages, installed on first use by
 * {@code src/test/sh/install-chromium.sh}. A failed install fails the test; only a machine without apt skips it.
 */
public final class Chromium {
    private static boolean installed;

    private Chromium() {
    }

    private static synchronized void install() {
        if (installed) {
            return;
        }
        Result result = run(List.of("sh", "src/test/sh/install-chromium.sh"), 900);
        Assumptions.assumeFalse(result.code() == 3, "no apt-get here: " + result.output());
        assertEquals(0, result.code(), "installing chromium failed:\n" + result.output());
        installed = true;
    }

    /** The DOM of {@code page} after Chromium loaded and rendered it. */
    public static String dumpDom(Path page) {
        install();
        Result result = run(command("--dump-dom", page.toUri().toString()), 180);
        assertEquals(0, result.code(), result.output());
        return result.stdout();
    }

    /** Renders {@code page} to a PNG at {@code png}. */
    public static void screenshot(Path page, Path png) {
        install();
        Result result = run(command("--screenshot=" + png.toAbsolutePath(), "--window-size=1280,2400",
                page.toUri().toString()), 180);
        assertEquals(0, result.code(), result.output());
    }

    private static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions"));
        command.addAll(List.of(args));
        return command;
    }

    private record Result(int code, String stdout, String output) {
    }

    private static Result run(List<String> command, long timeoutSeconds) {
        try {
            Path log = java.nio.file.Files.createTempFile("chromium", ".log");
            Path out = java.nio.file.Files.createTempFile("chromium", ".out");
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(log.toFile())
                    .start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(command + " did not finish in " + timeoutSeconds + " s");
            }
            String stdout = java.nio.file.Files.readString(out, StandardCharsets.UTF_8);
            String stderr = java.nio.file.Files.readString(log, StandardCharsets.UTF_8);
            return new Result(process.exitValue(), stdout, stdout + stderr);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }
}
