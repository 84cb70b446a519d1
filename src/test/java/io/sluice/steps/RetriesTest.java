package io.sluice.steps;

import io.delta.exceptions.ConcurrentAppendException;
import io.sluice.config.ConfigException;
import io.sluice.lake.ConcurrentRunException;
import io.sluice.storage.StorageException;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetriesTest {
    @Test
    void transientFailuresAreFoundAnywhereInTheCauseChain() {
        assertTrue(Retries.isTransient(new StorageException("cannot list s3a://b/h/0A",
                new IOException("connection reset"))));
        assertTrue(Retries.isTransient(new IllegalStateException("wrapped", new UncheckedIOException(
                new SocketTimeoutException("read timed out")))));
        assertTrue(Retries.isTransient(new SparkException("Job aborted due to stage failure: ResultStage 3 has"
                + " failed the maximum allowable number of times: 4. Most recent failure reason: FetchFailed(...)")));
        assertTrue(Retries.isTransient(new SparkException("Job aborted: Task 2 failed 4 times, most recent failure:"
                + " ExecutorLostFailure (executor 7 exited caused by one of the running tasks)")));
        assertTrue(Retries.isTransient(new RuntimeException("com.amazonaws.services.s3.model.AmazonS3Exception:"
                + " Please reduce your request rate. (Service: Amazon S3; Status Code: 503; Error Code: SlowDown)")));
        assertTrue(Retries.isTransient(new ConcurrentAppendException("Files were added to partition [day=3]")));
        assertTrue(Retries.isTransient(new ConcurrentRunException("another repartition run holds the lock")));
    }

    @Test
    void permanentFailuresWinOverTheirCauses() {
        assertFalse(Retries.isTransient(new IllegalStateException("a bug")));
        assertFalse(Retries.isTransient(new ConfigException("bad key", new IOException("file vanished"))));
        assertFalse(Retries.isTransient(new BadInputException("too many bad records")));
        assertFalse(Retries.isTransient(new RuntimeException("order 503 is odd")));
        RuntimeException cyclic = new RuntimeException("cyclic");
        RuntimeException other = new RuntimeException("other", cyclic);
        cyclic.initCause(other);
        assertFalse(Retries.isTransient(cyclic));
    }

    @Test
    void delaysDoubleWithJitterUpToTheCap() {
        Random random = new Random(42);
        Duration first = Duration.ofSeconds(10);
        Duration max = Duration.ofMinutes(5);
        List<Long> waits = new ArrayList<>();
        for (int attempt = 1; attempt <= 8; attempt++) {
            long wait = Retries.delay(attempt, first, max, random).toMillis();
            long full = Math.min(max.toMillis(), first.toMillis() << (attempt - 1));
            assertTrue(wait >= full / 2 && wait <= full, attempt + ": " + wait + " outside [" + full / 2 + ", "
                    + full + "]");
            waits.add(wait);
        }
        assertTrue(waits.get(3) > waits.get(0), waits.toString());
        assertEquals(Duration.ZERO, Retries.delay(5, Duration.ZERO, Duration.ZERO, random));
        assertTrue(Retries.delay(60, first, max, random).compareTo(max) <= 0);
    }
}
