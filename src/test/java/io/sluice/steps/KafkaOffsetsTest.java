package io.sluice.steps;

import io.sluice.config.Source;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Asking the brokers where each partition stands, and splitting a batch's cap over partitions; no Spark. */
class KafkaOffsetsTest {
    private static Source kafka(String bootstrap, LinkedHashMap<String, String> properties) {
        return new Source(Source.Kind.KAFKA, bootstrap, List.of("clicks"), null, null, properties, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void aBrokerThatDoesNotAnswerIsRetriedWithBackoffThenNamed() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        LinkedHashMap<String, String> properties = new LinkedHashMap<>();
        properties.put("default.api.timeout.ms", "1000");
        properties.put("request.timeout.ms", "500");
        KafkaClientSettings client = KafkaClientSettings.of(kafka("127.0.0.1:" + port, properties), Map.of(), "s");
        List<String> progress = new ArrayList<>();

        KafkaSourceException e = assertThrows(KafkaSourceException.class,
                () -> KafkaOffsets.bounds(client, List.of("clicks"), Duration.ofMillis(20), progress::add));

        assertTrue(e.getMessage().startsWith("Kafka at 127.0.0.1:" + port + " did not answer after 4 attempts: "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(". Check that the brokers are up and reachable from the driver, and the"
                + " source's bootstrapServers and security properties"), e.getMessage());
        assertEquals(3, progress.size(), progress.toString());
        assertTrue(progress.get(0).endsWith("retrying in 20 ms"), progress.get(0));
        assertTrue(progress.get(1).endsWith("retrying in 40 ms"), progress.get(1));
        assertTrue(progress.get(2).endsWith("retrying in 80 ms"), progress.get(2));
    }

    @Test
    void aSecretPropertyComesFromItsFileAndIsNeverShown(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        java.nio.file.Path jaas = dir.resolve("kafka-jaas");
        java.nio.file.Files.writeString(jaas, "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"u\" password=\"s3cr3t-from-file\";\n");
        LinkedHashMap<String, String> files = new LinkedHashMap<>();
        files.put("sasl.jaas.config", jaas.toString());
        Source source = new Source(Source.Kind.KAFKA, "b:9096", List.of("clicks"), null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, files);
        KafkaClientSettings client = KafkaClientSettings.of(source, Map.of(), "datasets.clicks.source");
        assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\""
                + " password=\"s3cr3t-from-file\";", client.sparkOptions().get("kafka.sasl.jaas.config"));
        assertEquals("kafka b:9096 [] secrets [sasl.jaas.config]", client.toString());

        LinkedHashMap<String, String> absent = new LinkedHashMap<>();
        absent.put("sasl.jaas.config", dir.resolve("absent").toString());
        Source unmounted = new Source(Source.Kind.KAFKA, "b:9096", List.of("clicks"), null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, absent);
        io.sluice.config.ConfigException e = assertThrows(io.sluice.config.ConfigException.class,
                () -> KafkaClientSettings.of(unmounted, Map.of(), "datasets.clicks.source"));
        assertEquals("datasets.clicks.source.secretPropertiesFile.sasl.jaas.config: cannot read " + dir.resolve("absent")
                + " (NoSuchFileException); mount the secret there", e.getMessage());
    }

    @Test
    void aBatchCapIsSharedEvenlyAndNeverBeyondWhatAPartitionHolds() {
        Map<TopicPartition, Long> available = new LinkedHashMap<>();
        available.put(new TopicPartition("t", 0), 2L);
        available.put(new TopicPartition("t", 1), 100L);
        available.put(new TopicPartition("t", 2), 0L);
        available.put(new TopicPartition("t", 3), 7L);
        assertEquals(List.of(2L, 4L, 0L, 4L), List.copyOf(PullKafka.share(available, 10).values()));
        assertEquals(List.of(2L, 100L, 0L, 7L), List.copyOf(PullKafka.share(available, 1000).values()));
        assertEquals(List.of(1L, 0L, 0L, 0L), List.copyOf(PullKafka.share(available, 1).values()));
    }
}
