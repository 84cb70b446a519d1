package io.sluice.lake;

/** Another run holds the lock of the same zone and dataset. */
public final class ConcurrentRunException extends RuntimeException {
    public ConcurrentRunException(String message) {
        super(message);
    }
}
