package io.sluice.lake;

import io.sluice.storage.HadoopStorage;
import io.sluice.storage.Storage;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The zone lock on a real local file system: one holder, released on close, stale locks taken over by one contender. */
class ZoneLockTest {
    private static final Duration TIMEOUT = Duration.ofHours(1);
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    @TempDir
    Path dir;

    private final Storage storage = new HadoopStorage(new Configuration());

    private static Clock at(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    @Test
    void aHeldLockRefusesASecondRunAndIsFreeAfterClose() {
        String path = dir.resolve("distribute.lock").toString();
        try (ZoneLock held = ZoneLock.acquire(storage, path, "distribute", TIMEOUT, at(NOW))) {
            ConcurrentRunException refused = assertThrows(ConcurrentRunException.class,
                    () -> ZoneLock.acquire(storage, path, "distribute", TIMEOUT, at(NOW.plusSeconds(60))));
            assertTrue(refused.getMessage().startsWith("another distribute run holds the lock " + path + " since "
                    + NOW), refused.getMessage());
        }
        assertFalse(Files.exists(Path.of(path)));
        ZoneLock.acquire(storage, path, "distribute", TIMEOUT, at(NOW)).close();
    }

    @Test
    void racingContendersForAStaleLockNeverBothWin() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 150; round++) {
                String path = dir.resolve("round-" + round + ".lock").toString();
                // A holder that died more than the timeout ago.
                ZoneLock.acquire(storage, path, "distribute", TIMEOUT, at(NOW.minus(Duration.ofHours(2))));
                CyclicBarrier start = new CyclicBarrier(3);
                List<Future<ZoneLock>> contenders = new ArrayList<>();
                for (int c = 0; c < 3; c++) {
                    Callable<ZoneLock> contender = () -> {
                        start.await();
                        try {
                            return ZoneLock.acquire(storage, path, "distribute", TIMEOUT, at(NOW));
                        } catch (ConcurrentRunException e) {
                            return null;
                        }
                    };
                    contenders.add(pool.submit(contender));
                }
                List<ZoneLock> winners = new ArrayList<>();
                for (Future<ZoneLock> contender : contenders) {
                    ZoneLock lock = contender.get();
                    if (lock != null) {
                        winners.add(lock);
                    }
                }
                assertEquals(1, winners.size(), "round " + round + ": exactly one contender takes the stale lock over");
                String content = Files.readString(Path.of(path));
                assertTrue(content.contains("\"acquiredAt\":\"" + NOW + "\""), content);
                winners.get(0).close();
                assertFalse(Files.exists(Path.of(path)), "round " + round + ": released");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
