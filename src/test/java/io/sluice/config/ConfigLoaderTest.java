package io.sluice.config;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigLoaderTest {
    private static final String ZONES = "zones: {landing: l, stage: s, trusted: t, quarantine: q}\n";
    private static final String EVENTS = """
            datasets:
              events:
                recordKey: [event_id]
                version: timestamp
                eventTime: timestamp
                fields: {event_id: string, timestamp: timestamp}
            """;

    private static SluiceConfig load(String yaml) {
        return ConfigLoader.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
    }

    private static String error(String yaml) {
        return assertThrows(ConfigException.class, () -> load(yaml)).getMessage();
    }

    @Test
    void theShippedLocalConfigLoads() {
        SluiceConfig config = ConfigLoader.load(Path.of("conf/local.yaml"));
        assertEquals("lake/landing", config.zones().landing());
        DatasetProfile events = config.dataset("events");
        assertEquals(List.of("event_id"), events.recordKey());
        assertEquals(List.of("domain_event_type", "year", "month", "day"), events.partitions());
    }

    @Test
    void unknownKeyIsNamedWithItsPath() {
        String message = error(ZONES + EVENTS.replace("version:", "verison:"));
        assertEquals(true, message.startsWith("test.yaml: unknown key 'datasets.events.verison'; known keys there: "),
                message);
    }

    @Test
    void missingZoneSaysHowToSetIt() {
        assertEquals("test.yaml: zone 'zones.trusted' is missing; set it in the config or pass --trusted URI",
                error("zones: {landing: l, stage: s, quarantine: q}\n" + EVENTS));
    }

    @Test
    void impossibleValuesAreNamed() {
        assertEquals("parse.lockTimeout: 'two hours' is not an ISO-8601 duration; write e.g. PT2H, PT30M or P7D",
                error(ZONES + "parse: {lockTimeout: two hours}\n" + EVENTS));
        assertEquals("test.yaml: datasets.events.version: 'ts' is not one of the declared fields"
                + " [event_id, timestamp]", error(ZONES + EVENTS.replace("version: timestamp", "version: ts")));
        assertEquals("test.yaml: datasets.events.eventTimeZone 'Mars/Base' is not a time zone; use a region such as"
                + " UTC or America/Sao_Paulo", error(ZONES + EVENTS + "    eventTimeZone: Mars/Base\n"));
    }

    @Test
    void moveConcurrencyDefaultsToSixteenAndAnImpossibleOneIsNamed() {
        assertEquals(ParseSettings.MOVE_CONCURRENCY_DEFAULT, load(ZONES + EVENTS).parse().moveConcurrency());
        assertEquals(16, ParseSettings.MOVE_CONCURRENCY_DEFAULT);
        assertEquals(4, load(ZONES + "parse: {moveConcurrency: 4}\n" + EVENTS).parse().moveConcurrency());
        assertEquals(16, ConfigLoader.load(Path.of("conf/emr.yaml")).parse().moveConcurrency());
        assertEquals("test.yaml: parse.moveConcurrency must be between 1 and 64, got 0",
                error(ZONES + "parse: {moveConcurrency: 0}\n" + EVENTS));
    }

    @Test
    void unknownDatasetListsTheKnownOnes() {
        SluiceConfig config = load(ZONES + EVENTS);
        ConfigException e = assertThrows(ConfigException.class, () -> config.dataset("orderz"));
        assertEquals("dataset 'orderz' is not defined in the config; known datasets: [events] (add it under"
                + " 'datasets:' or pass --dataset with one of these)", e.getMessage());
    }

    @Test
    void secretsAreRefused() {
        String message = error(ZONES + "spark: {spark.hadoop.fs.s3a.secret.key: abc}\n" + EVENTS);
        assertEquals(true, message.startsWith("test.yaml: spark.spark.hadoop.fs.s3a.secret.key holds a credential;"
                + " secrets never go in a config file."), message);
    }
}
