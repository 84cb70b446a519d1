package io.sluice.steps;

import io.sluice.config.ConfigException;
import io.sluice.config.Source;

import java.util.LinkedHashMap;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * The Kafka client properties of a source: the brokers, the configured properties, and the credentials read from
 * the environment variables or files the config names. {@link #toString()} never shows a credential.
 */
public final class KafkaClientSettings {
    private final String bootstrapServers;
    private final Map<String, String> properties;
    private final Map<String, String> secrets;

    private KafkaClientSettings(String bootstrapServers, Map<String, String> properties, Map<String, String> secrets) {
        this.bootstrapServers = requireNonNull(bootstrapServers, "bootstrapServers is null");
        this.properties = Map.copyOf(properties);
        this.secrets = Map.copyOf(secrets);
    }

    /** The settings of {@code source}, credentials from {@code env}; a missing variable fails naming it. */
    public static KafkaClientSettings of(Source source, Map<String, String> env, String at) {
        Map<String, String> secrets = new LinkedHashMap<>();
        for (Map.Entry<String, String> secret : source.secretPropertiesEnv().entrySet()) {
            String value = env.get(secret.getValue());
            if (value == null || value.isBlank()) {
                throw new ConfigException(at + ".secretPropertiesEnv." + secret.getKey() + " names the environment"
                        + " variable " + secret.getValue() + ", which is not set; export it before the run (on EMR"
                        + " and Databricks, from the platform's secret store)");
            }
            secrets.put(secret.getKey(), value);
        }
        for (Map.Entry<String, String> secret : source.secretPropertiesFile().entrySet()) {
            java.nio.file.Path file = java.nio.file.Path.of(secret.getValue());
            String value;
            try {
                value = java.nio.file.Files.readString(file).strip();
            } catch (java.io.IOException e) {
                throw new ConfigException(at + ".secretPropertiesFile." + secret.getKey() + ": cannot read " + file
                        + " (" + e.getClass().getSimpleName() + "); mount the secret there", e);
            }
            if (value.isEmpty()) {
                throw new ConfigException(at + ".secretPropertiesFile." + secret.getKey() + ": " + file + " is empty");
            }
            secrets.put(secret.getKey(), value);
        }
        return new KafkaClientSettings(source.bootstrapServers(), source.properties(), secrets);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Properties for a Kafka client, credentials included. */
    public Map<String, Object> clientProperties() {
        Map<String, Object> all = new LinkedHashMap<>(properties);
        all.putAll(secrets);
        all.put("bootstrap.servers", bootstrapServers);
        return all;
    }

    /** Options for Spark's Kafka source: every client property with the {@code kafka.} prefix. */
    public Map<String, String> sparkOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        clientProperties().forEach((key, value) -> options.put("kafka." + key, String.valueOf(value)));
        return options;
    }

    @Override
    public String toString() {
        return "kafka " + bootstrapServers + " " + properties.keySet() + " secrets " + secrets.keySet();
    }
}
