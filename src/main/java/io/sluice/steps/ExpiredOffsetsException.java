package io.sluice.steps;

/**
 * Records after the committed offsets were deleted by retention before they were read; nothing was committed.
 * The message names each partition and the offsets lost.
 */
public final class ExpiredOffsetsException extends RuntimeException {
    public ExpiredOffsetsException(String message) {
        super(message);
    }
}
