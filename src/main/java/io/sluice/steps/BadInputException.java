package io.sluice.steps;

/** The input is too bad to commit (over --max-bad-ratio); nothing was committed. */
public final class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }
}
