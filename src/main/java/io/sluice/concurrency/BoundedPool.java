package io.sluice.concurrency;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The one way Sluice runs work with a bound on how much is in flight: daemon threads named {@code sluice-<name>-<n>},
 * so a stuck request never keeps the JVM alive and a thread dump says what each thread is for.
 */
public final class BoundedPool {
    private BoundedPool() {
    }

    /** A fixed pool of {@code threads} daemon threads; the caller shuts it down. */
    public static ExecutorService fixed(String name, int threads) {
        return Executors.newFixedThreadPool(threads, daemon(name));
    }

    /**
     * {@code action} applied to every item, at most {@code concurrency} at once, in no particular order; the results
     * in the order of {@code items}. The first failure stops the rest: items not yet started are not started, those
     * in flight finish, and the failure is thrown as it was (an Error stays an Error). With a concurrency of 1 the
     * items run one after the other on the calling thread.
     */
    public static <T, R> List<R> map(String name, int concurrency, List<T> items, Function<? super T, ? extends R> action) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        List<R> results = new ArrayList<>(Collections.nCopies(items.size(), null));
        if (concurrency == 1 || items.size() <= 1) {
            for (int i = 0; i < items.size(); i++) {
                results.set(i, action.apply(items.get(i)));
            }
            return results;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < items.size() && failure.get() == null; i = next.getAndIncrement()) {
                try {
                    R result = action.apply(items.get(i));
                    synchronized (results) {
                        results.set(i, result);
                    }
                } catch (RuntimeException | Error e) {
                    failure.compareAndSet(null, e);
                }
            }
        };
        ThreadFactory threads = daemon(name);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < Math.min(concurrency, items.size()); w++) {
            Thread thread = threads.newThread(worker);
            workers.add(thread);
            thread.start();
        }
        awaitAll(workers, failure);
        Throwable failed = failure.get();
        if (failed instanceof Error error) {
            throw error;
        }
        if (failed != null) {
            throw (RuntimeException) failed;
        }
        synchronized (results) {
            return results;
        }
    }

    /** Waits for every worker; when this thread is interrupted, stops handing out items and waits for those in flight. */
    private static void awaitAll(List<Thread> workers, AtomicReference<Throwable> failure) {
        boolean interrupted = false;
        for (Thread worker : workers) {
            while (worker.isAlive()) {
                try {
                    worker.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                    failure.compareAndSet(null, new IllegalStateException("interrupted while waiting for "
                            + worker.getName(), e));
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "sluice-" + name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
