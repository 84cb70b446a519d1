package io.sluice.config;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The source block of a dataset profile: the shipped examples load, and mistakes fail naming the key. */
class SourceConfigTest {
    /** conf/local.yaml with its commented example sources switched on. */
    private static String localWithExamples() throws IOException {
        StringBuilder out = new StringBuilder();
        boolean inExamples = false;
        for (String line : Files.readAllLines(Path.of("conf/local.yaml"))) {
            if (line.contains("# --- example sources")) {
                inExamples = true;
            } else if (line.contains("# --- end of example sources")) {
                inExamples = false;
            } else if (inExamples && line.startsWith("  #   ") || inExamples && line.matches("  # [a-z]+:.*")) {
                line = "  " + line.substring(4);
            }
            out.append(line).append('\n');
        }
        return out.toString();
    }

    private static SluiceConfig load(String yaml) {
        return ConfigLoader.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
    }

    @Test
    void theShippedExamplesLoadAndTheDefaultDatasetStaysOnFiles() throws IOException {
        SluiceConfig config = load(localWithExamples());
        assertEquals(Source.Kind.FILES, config.dataset("events").sourceOrFiles().kind());
        Source kafka = config.dataset("clicks").sourceOrFiles();
        assertEquals(Source.Kind.KAFKA, kafka.kind());
        assertEquals(List.of("clicks"), kafka.topics());
        assertEquals("KAFKA_JAAS_CONFIG", kafka.secretPropertiesEnv().get("sasl.jaas.config"));
        Source jdbc = config.dataset("customers").sourceOrFiles();
        assertEquals(Source.Kind.JDBC, jdbc.kind());
        assertEquals(java.time.Duration.ofMinutes(10), jdbc.overlapDuration());
        assertEquals(Source.Kind.FILES, load(Files.readString(Path.of("conf/local.yaml"))).dataset("events")
                .sourceOrFiles().kind());
    }

    @Test
    void mistakesFailNamingTheKey() throws IOException {
        String base = localWithExamples();
        assertEquals("test.yaml: datasets.customers.source: bootstrapServers belong to a Kafka source; set"
                        + " datasets.customers.source.kind: kafka or remove them",
                assertThrows(ConfigException.class, () -> load(base.replace("      kind: jdbc",
                        "      kind: jdbc\n      bootstrapServers: x:1"))).getMessage());
        assertEquals("test.yaml: datasets.customers.source.url holds a credential; secrets never go in a config"
                        + " file. Name the environment variable that holds the password in"
                        + " datasets.customers.source.passwordEnv, or a file in datasets.customers.source.passwordFile",
                assertThrows(ConfigException.class, () -> load(base.replace("/shop ", "/shop?password=hunter2 ")))
                        .getMessage());
        assertEquals("test.yaml: datasets.customers.source.watermarkColumn: 'name' is declared as string; only a"
                        + " timestamp watermark is supported (a rowversion or change-tracking version is another"
                        + " strategy, not built yet)",
                assertThrows(ConfigException.class, () -> load(base.replace("watermarkColumn: updated_at",
                        "watermarkColumn: name"))).getMessage());
        assertEquals("test.yaml: datasets.customers.source.overlap: 'ten minutes' is not an ISO-8601 duration; write"
                        + " e.g. PT2H, PT30M or P7D",
                assertThrows(ConfigException.class, () -> load(base.replace("overlap: PT10M",
                        "overlap: ten minutes"))).getMessage());
    }
}
