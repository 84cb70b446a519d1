package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where {@code parse} reads a dataset from: files in the landing zone (the default) or a Kafka topic. Credentials
 * are never part of it: a Kafka client property that carries one is named here with the environment variable
 * that holds its value.
 *
 * @param kind the kind of source
 * @param bootstrapServers Kafka: {@code host:port,host:port} of the brokers
 * @param topics Kafka: the topics read; their values are the dataset's JSON records
 * @param maxRecordsPerBatch Kafka: at most this many records per stage batch (the command line's
 *                           {@code --max-records} wins); a run goes on batch after batch
 * @param onExpiredOffsets Kafka: what to do when records after the committed offsets were deleted by retention
 * @param properties Kafka: extra client properties ({@code security.protocol}, {@code sasl.mechanism},
 *                   {@code ssl.truststore.location} ...); no credentials
 * @param secretPropertiesEnv Kafka: client properties whose values are credentials, each to the environment
 *                            variable holding its value, e.g. {@code sasl.jaas.config: KAFKA_JAAS_CONFIG}
 */
public record Source(Kind kind, String bootstrapServers, List<String> topics, Long maxRecordsPerBatch,
                     OnExpiredOffsets onExpiredOffsets, LinkedHashMap<String, String> properties,
                     LinkedHashMap<String, String> secretPropertiesEnv) {
    /** Default of {@link #maxRecordsPerBatch}. */
    public static final long MAX_RECORDS_PER_BATCH_DEFAULT = 1_000_000L;
    /** The landing files, today's default. */
    public static final Source FILES = new Source(Kind.FILES, null, null, null, null, null, null);

    private static final Pattern SECRET_PROPERTY = Pattern.compile(
            ".*(password|jaas|secret|credential).*", Pattern.CASE_INSENSITIVE);
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Kinds of source. */
    public enum Kind {
        /** JSON files in {@code <landing>/pending/}. */
        @JsonProperty("files") FILES,
        /** A batch read of Kafka topics, offsets committed with the stage rows. */
        @JsonProperty("kafka") KAFKA
    }

    /** What a Kafka read does when the records it should start at were deleted by retention. */
    public enum OnExpiredOffsets {
        /** Stop, naming the partitions and the offsets lost; nothing is committed. */
        @JsonProperty("fail") FAIL,
        /** Start at the earliest offset still there, and count what was lost in the report. */
        @JsonProperty("skip") SKIP
    }

    public Source {
        kind = kind == null ? Kind.FILES : kind;
        topics = topics == null ? List.of() : List.copyOf(topics);
        onExpiredOffsets = onExpiredOffsets == null ? OnExpiredOffsets.FAIL : onExpiredOffsets;
        properties = properties == null ? new LinkedHashMap<>() : properties;
        secretPropertiesEnv = secretPropertiesEnv == null ? new LinkedHashMap<>() : secretPropertiesEnv;
    }

    /** {@link #maxRecordsPerBatch}, or its default. */
    public long recordsPerBatch() {
        return maxRecordsPerBatch == null ? MAX_RECORDS_PER_BATCH_DEFAULT : maxRecordsPerBatch;
    }

    void validate(String at) {
        if (kind == Kind.FILES) {
            if (bootstrapServers != null || !topics.isEmpty() || maxRecordsPerBatch != null
                    || !properties.isEmpty() || !secretPropertiesEnv.isEmpty()) {
                throw new ConfigException(at + ": bootstrapServers, topics, maxRecordsPerBatch, properties and"
                        + " secretPropertiesEnv belong to a Kafka source; set " + at + ".kind: kafka or remove them");
            }
            return;
        }
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new ConfigException(at + ".bootstrapServers is missing; give the brokers as host:port[,host:port]");
        }
        if (topics.isEmpty() || topics.stream().anyMatch(t -> t == null || t.isBlank())) {
            throw new ConfigException(at + ".topics is missing or holds an empty name; list the topics to read");
        }
        if (maxRecordsPerBatch != null && maxRecordsPerBatch < 1) {
            throw new ConfigException(at + ".maxRecordsPerBatch is " + maxRecordsPerBatch + "; give at least 1");
        }
        for (String key : properties.keySet()) {
            if (SECRET_PROPERTY.matcher(key.toLowerCase(Locale.ROOT)).matches()) {
                throw new ConfigException(at + ".properties." + key + " holds a credential; secrets never go in a"
                        + " config file. Name the environment variable that holds it instead: "
                        + at + ".secretPropertiesEnv." + key + ": SOME_ENV_VAR");
            }
            if (key.startsWith("kafka.")) {
                throw new ConfigException(at + ".properties." + key + ": write Kafka client properties without"
                        + " the 'kafka.' prefix (e.g. security.protocol)");
            }
        }
        for (Map.Entry<String, String> secret : secretPropertiesEnv.entrySet()) {
            if (secret.getValue() == null || !ENV_NAME.matcher(secret.getValue()).matches()) {
                throw new ConfigException(at + ".secretPropertiesEnv." + secret.getKey() + ": '" + secret.getValue()
                        + "' is not an environment variable name; give the name of the variable, never the secret");
            }
        }
    }
}
