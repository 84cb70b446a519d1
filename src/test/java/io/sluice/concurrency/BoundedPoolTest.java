package io.sluice.concurrency;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BoundedPoolTest {
    private static final List<Integer> HUNDRED = IntStream.rangeClosed(1, 100).boxed().toList();

    @Test
    void resultsComeInTheOrderOfTheItemsWithNeverMoreThanTheBoundInFlight() {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        // The first four wait for each other: all four are in flight at once, on four threads, whatever the load.
        CountDownLatch fourInFlight = new CountDownLatch(4);

        List<Integer> doubled = BoundedPool.map("test", 4, HUNDRED, n -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            threads.add(Thread.currentThread().getName());
            fourInFlight.countDown();
            await(fourInFlight);
            inFlight.decrementAndGet();
            return n * 2;
        });

        assertEquals(HUNDRED.stream().map(n -> n * 2).toList(), doubled);
        assertEquals(4, most.get(), "four at once, never more");
        assertEquals(Set.of("sluice-test-1", "sluice-test-2", "sluice-test-3", "sluice-test-4"), threads);
    }

    @Test
    void aConcurrencyOfOneRunsOnTheCallingThreadInOrder() {
        List<String> seen = new java.util.ArrayList<>();
        String caller = Thread.currentThread().getName();

        BoundedPool.map("test", 1, List.of("a", "b", "c"), s -> seen.add(s + "@" + Thread.currentThread().getName()));

        assertEquals(List.of("a@" + caller, "b@" + caller, "c@" + caller), seen);
    }

    @Test
    void theFirstFailureStopsTheItemsNotYetStartedAndIsThrownAsItWas() {
        AtomicInteger started = new AtomicInteger();
        IllegalStateException broken = new IllegalStateException("cannot move part-3.json");
        // Items after the failing one are still in flight when it fails: they finish only once it has thrown.
        CountDownLatch failing = new CountDownLatch(1);

        IllegalStateException thrown = assertThrows(IllegalStateException.class, () ->
                BoundedPool.map("test", 2, HUNDRED, n -> {
                    started.incrementAndGet();
                    if (n == 3) {
                        failing.countDown();
                        throw broken;
                    }
                    if (n > 3) {
                        await(failing);
                    }
                    return n;
                }));

        assertSame(broken, thrown);
        assertTrue(started.get() < 10, "items after the failure were not started: " + started.get());
    }

    @Test
    void anErrorStaysAnErrorAndWaitsForTheItemsInFlight() throws InterruptedException {
        CountDownLatch slowStarted = new CountDownLatch(1);
        CountDownLatch errorThrown = new CountDownLatch(1);
        AtomicInteger finished = new AtomicInteger();

        AssertionError thrown = assertThrows(AssertionError.class, () ->
                BoundedPool.map("test", 2, List.of(1, 2), n -> {
                    if (n == 1) {
                        // Still in flight when the other item fails: it finishes only after the error was thrown.
                        slowStarted.countDown();
                        await(errorThrown);
                        return finished.incrementAndGet();
                    }
                    await(slowStarted);
                    errorThrown.countDown();
                    throw new AssertionError("killed");
                }));

        assertEquals("killed", thrown.getMessage());
        assertEquals(1, finished.get(), "the move in flight finished before the failure was thrown");
    }

    @Test
    void aConcurrencyBelowOneIsRefused() {
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
                () -> BoundedPool.map("test", 0, HUNDRED, n -> n));
        assertEquals("concurrency must be at least 1, got 0", thrown.getMessage());
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
