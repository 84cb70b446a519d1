package io.sluice.steps;

/** The Kafka source could not be read (brokers not answering after retries, a missing topic); nothing was committed. */
public final class KafkaSourceException extends RuntimeException {
    public KafkaSourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
