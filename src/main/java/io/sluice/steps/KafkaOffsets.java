package io.sluice.steps;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * What the brokers hold right now: every partition of the source's topics with its earliest and latest offsets.
 * A broker that does not answer is retried with backoff, then named in a clear error.
 */
final class KafkaOffsets {
    /** Attempts of a broker call before the run fails. */
    static final int ATTEMPTS = 4;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private KafkaOffsets() {
    }

    /**
     * Earliest and latest offsets of one partition.
     *
     * @param earliest the first offset still held (retention deletes below it)
     * @param latest the offset the next record will get
     */
    record Bounds(long earliest, long latest) {
    }

    /** Bounds of every partition of {@code topics}, by {@code topic/partition} in a stable order. */
    static Map<TopicPartition, Bounds> bounds(KafkaClientSettings settings, List<String> topics, Duration backoff,
                                              Consumer<String> progress) {
        Map<String, Object> props = new HashMap<>(settings.clientProperties());
        // The source's properties may shorten these (a test, a broker known to be close); else 30 s per attempt.
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
        props.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis() / 2);
        long timeout = Long.parseLong(String.valueOf(props.get(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG)));
        KafkaException last = null;
        Duration wait = backoff;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try (Admin admin = Admin.create(props)) {
                return read(admin, topics, Duration.ofMillis(timeout));
            } catch (KafkaException e) {
                if (!e.retriable) {
                    throw new KafkaSourceException("Kafka at " + settings.bootstrapServers() + ": " + e.getMessage(), e);
                }
                last = e;
            }
            if (attempt < ATTEMPTS) {
                progress.accept("Kafka at " + settings.bootstrapServers() + " did not answer (" + last.getMessage()
                        + "); retrying in " + wait.toMillis() + " ms");
                sleep(wait);
                wait = wait.multipliedBy(2);
            }
        }
        throw new KafkaSourceException("Kafka at " + settings.bootstrapServers() + " did not answer after "
                + ATTEMPTS + " attempts: " + last.getMessage() + ". Check that the brokers are up and reachable"
                + " from the driver, and the source's bootstrapServers and security properties", last);
    }

    private static Map<TopicPartition, Bounds> read(Admin admin, List<String> topics, Duration callTimeout) {
        Map<String, TopicDescription> described;
        try {
            described = admin.describeTopics(topics).allTopicNames().get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new KafkaException("a topic of " + topics + " does not exist on the brokers: "
                        + e.getCause().getMessage() + "; create it or fix the source's topics", e, false);
            }
            throw new KafkaException(String.valueOf(e.getCause()), e, true);
        } catch (TimeoutException e) {
            throw new KafkaException("no answer within " + callTimeout.toMillis() + " ms", e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted", e, false);
        }
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        described.values().forEach(topic -> topic.partitions().forEach(p -> {
            TopicPartition tp = new TopicPartition(topic.name(), p.partition());
            earliest.put(tp, OffsetSpec.earliest());
            latest.put(tp, OffsetSpec.latest());
        }));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> low = offsets(admin, earliest, callTimeout);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> high = offsets(admin, latest, callTimeout);
        Map<TopicPartition, Bounds> bounds = new TreeMap<>(
                java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        for (TopicPartition tp : earliest.keySet()) {
            bounds.put(tp, new Bounds(low.get(tp).offset(), high.get(tp).offset()));
        }
        return bounds;
    }

    private static Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets(
            Admin admin, Map<TopicPartition, OffsetSpec> specs, Duration callTimeout) {
        try {
            return admin.listOffsets(specs).all().get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new KafkaException(String.valueOf(e.getCause()), e, true);
        } catch (TimeoutException e) {
            throw new KafkaException("no answer within " + callTimeout.toMillis() + " ms", e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted", e, false);
        }
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaSourceException("interrupted while waiting to retry Kafka", e);
        }
    }

    /** A failed broker call; {@code retriable} when another attempt may succeed. */
    static final class KafkaException extends RuntimeException {
        final boolean retriable;

        KafkaException(String message, Throwable cause, boolean retriable) {
            super(message, cause);
            this.retriable = retriable;
        }
    }
}
