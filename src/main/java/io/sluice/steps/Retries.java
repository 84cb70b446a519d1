package io.sluice.steps;

import io.sluice.config.ConfigException;
import io.sluice.lake.ConcurrentRunException;
import io.sluice.report.Failures;
import org.apache.spark.sql.AnalysisException;

import java.io.IOException;
import java.time.Duration;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeoutException;

/**
 * Which failures are worth another attempt, and how long to wait before it. Transient: I/O anywhere in the
 * cause chain, S3 throttling, lost executors and fetch failures, Delta's concurrent-modification conflicts, a
 * table lock held by another run. Permanent, whatever their causes say: config and analysis errors, input
 * too bad to commit. Anything else is permanent too: retrying a bug only triples its cost.
 */
final class Retries {
    /**
     * Words of the messages of failures that a cluster reports as text only: a task's failure reaches the
     * driver inside a SparkException whose cause may be missing.
     */
    private static final List<String> TRANSIENT_TEXT = List.of("slowdown", "slow down", "status code: 503",
            "503 service unavailable", "throttl", "too many requests", "rate exceeded", "request limit exceeded",
            "fetchfailed", "executorlostfailure", "executor lost", "lost executor", "connection reset",
            "broken pipe", "java.io.ioexception", "java.io.uncheckedioexception", "java.net.sockettimeoutexception");

    private Retries() {
    }

    /** True when another attempt may succeed where this one failed. */
    static boolean isTransient(Throwable failure) {
        List<Throwable> chain = Failures.chain(failure);
        for (Throwable t : chain) {
            if (t instanceof ConfigException || t instanceof AnalysisException || t instanceof BadInputException) {
                return false;
            }
        }
        for (Throwable t : chain) {
            if (t instanceof IOException || t instanceof ConcurrentModificationException
                    || t instanceof ConcurrentRunException || t instanceof TimeoutException) {
                return true;
            }
            String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (TRANSIENT_TEXT.stream().anyMatch(message::contains)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The wait before attempt {@code attempt + 1}: {@code first} doubled per attempt, capped at {@code max}, of
     * which a random half is dropped ("equal jitter"), so clusters that failed together do not retry together.
     */
    static Duration delay(int attempt, Duration first, Duration max, Random random) {
        long base = first.toMillis();
        long capped = max.toMillis();
        long exponential = attempt >= 31 ? capped : Math.min(capped, base * (1L << Math.max(0, attempt - 1)));
        long half = exponential / 2;
        return Duration.ofMillis(half + (half == 0 ? 0 : (long) (random.nextDouble() * (exponential - half + 1))));
    }
}
