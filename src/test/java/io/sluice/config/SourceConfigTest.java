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
        assertEquals("test.yaml: datasets.customers.source.watermarkColumn: 'name' is declared as string; a"
                        + " watermark is a timestamp (updated_at) or a long (a rowversion cast to bigint, a change"
                        + " counter)",
                assertThrows(ConfigException.class, () -> load(base.replace("watermarkColumn: updated_at",
                        "watermarkColumn: name"))).getMessage());
        assertEquals("test.yaml: datasets.customers.source.overlap: 'ten minutes' is not an ISO-8601 duration; write"
                        + " e.g. PT2H, PT30M or P7D",
                assertThrows(ConfigException.class, () -> load(base.replace("overlap: PT10M",
                        "overlap: ten minutes"))).getMessage());
    }

    @Test
    void theLandingFileLayoutsLoadWithTheirDefaults() throws IOException {
        SluiceConfig config = load(localWithExamples());
        assertEquals(Source.Format.JSON, config.dataset("events").sourceOrFiles().fileFormat());
        Source csv = config.dataset("exports").sourceOrFiles();
        assertEquals(Source.Kind.FILES, csv.kind());
        assertEquals(Source.Format.CSV, csv.fileFormat());
        assertEquals(new CsvOptions(true, List.of(), ";", "\"", "\"", "ISO-8859-1"), csv.csvOptions());
        Source avro = config.dataset("payments").sourceOrFiles();
        assertEquals(Source.Format.AVRO, avro.fileFormat());
        assertEquals(new CsvOptions(true, List.of(), ",", "\"", "\"", "UTF-8"), avro.csvOptions());
    }

    @Test
    void layoutMistakesFailNamingTheKey() throws IOException {
        String base = localWithExamples();
        String unknown = assertThrows(ConfigException.class, () -> load(base.replace("        delimiter: \";\"",
                "        delimeter: \";\""))).getMessage();
        assertEquals("test.yaml: unknown key 'datasets.exports.source.csv.delimeter'; known keys there: columns,"
                + " delimiter, encoding, escape, header, quote", unknown);
        assertEquals("test.yaml: datasets.payments.source.csv: CSV options apply to a source of kind: files with"
                        + " format: csv; this one reads avro files. Set datasets.payments.source.format: csv or remove"
                        + " datasets.payments.source.csv",
                assertThrows(ConfigException.class, () -> load(base.replace("source: {kind: files, format: avro}",
                        "source: {kind: files, format: avro, csv: {delimiter: \";\"}}"))).getMessage());
        assertEquals("test.yaml: datasets.clicks.source.format: a kafka source has no file layout; format applies to"
                        + " datasets.clicks.source.kind: files (Kafka values and JDBC rows are read as they are)",
                assertThrows(ConfigException.class, () -> load(base.replace("      kind: kafka",
                        "      kind: kafka\n      format: avro"))).getMessage());
        assertEquals("test.yaml: datasets.exports.source.csv.columns is missing; with header: false, name the"
                        + " columns in file order",
                assertThrows(ConfigException.class, () -> load(base.replace("        header: true",
                        "        header: false"))).getMessage());
        assertEquals("test.yaml: datasets.exports.source.csv.delimiter is ';;'; give exactly one character (write a"
                        + " tab as \"\\t\")",
                assertThrows(ConfigException.class, () -> load(base.replace("        delimiter: \";\"",
                        "        delimiter: \";;\""))).getMessage());
        assertEquals("test.yaml: datasets.exports.source.csv.encoding 'latin-9000' is not a character set this JVM"
                        + " knows; give e.g. UTF-8, ISO-8859-1 or windows-1252",
                assertThrows(ConfigException.class, () -> load(base.replace("encoding: ISO-8859-1",
                        "encoding: latin-9000"))).getMessage());
        assertEquals("test.yaml: bad value at 'datasets.payments.source.format': Cannot deserialize value of type"
                        + " `io.sluice.config.Source$Format` from String \"parquet\": not one of the values accepted for"
                        + " Enum class: [json, avro, csv]",
                assertThrows(ConfigException.class, () -> load(base.replace("format: avro}", "format: parquet}")))
                        .getMessage());
    }
}
