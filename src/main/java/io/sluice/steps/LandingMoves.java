package io.sluice.steps;

import io.sluice.concurrency.BoundedPool;
import io.sluice.lake.Checkpoints;
import io.sluice.storage.Storage;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * The storage calls of a parse batch that are one per file: where each file of a manifest is, and its move from
 * {@code pending/} to {@code processed/}. Both run {@code concurrency} at a time; each move is idempotent, so the order
 * they finish in does not matter and a rerun after a kill finishes whatever is left.
 */
public final class LandingMoves {
    /** Checkpoint reached once the first file of a batch has moved. */
    public static final String FIRST_MOVED = "parse.firstMoved";
    /** A progress line every this many moves. */
    static final int PROGRESS_EVERY = 500;

    private final Storage storage;
    private final int concurrency;
    private final Checkpoints checkpoints;
    private final Consumer<String> progress;

    /**
     * @param concurrency storage calls in flight at once; 1 is one after the other on the calling thread
     * @param progress told "moved N/M files to ..." every {@value #PROGRESS_EVERY} moves
     */
    public LandingMoves(Storage storage, int concurrency, Checkpoints checkpoints, Consumer<String> progress) {
        this.storage = requireNonNull(storage, "storage is null");
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        this.concurrency = concurrency;
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    /**
     * Where each of {@code relativePaths} is, in their order: under {@code pending}, else under {@code processed},
     * else empty (removed by hand).
     */
    public List<Optional<String>> locate(List<String> relativePaths, String pending, String processed) {
        return BoundedPool.map("locate", concurrency, relativePaths, relative -> {
            String inPending = storage.resolve(pending, relative);
            if (storage.exists(inPending)) {
                return Optional.of(inPending);
            }
            String inProcessed = storage.resolve(processed, relative);
            return storage.exists(inProcessed) ? Optional.of(inProcessed) : Optional.<String>empty();
        });
    }

    /**
     * Moves each of {@code relativePaths} from {@code pending} to {@code target}; those already moved are left as they
     * are. The first failure stops the moves not yet started and is thrown; it names the file.
     *
     * @return the number of files moved (or found already moved)
     */
    public long moveAll(List<String> relativePaths, String pending, String target) {
        AtomicLong moved = new AtomicLong();
        BoundedPool.map("move", concurrency, relativePaths, relative -> {
            storage.move(storage.resolve(pending, relative), storage.resolve(target, relative));
            long done = moved.incrementAndGet();
            if (done == 1) {
                checkpoints.reached(FIRST_MOVED);
            }
            if (done % PROGRESS_EVERY == 0) {
                progress.accept("moved " + done + "/" + relativePaths.size() + " files to " + target);
            }
            return done;
        });
        return moved.get();
    }
}
