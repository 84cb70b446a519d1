package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where {@code parse} reads a dataset from: files in the landing zone (the default), a Kafka topic, or a table or
 * query of a relational database read incrementally by a watermark column. Credentials are never part of it: the
 * config names the environment variable (or the file) that holds each one.
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
 * @param url JDBC: the database's JDBC URL, without credentials
 * @param table JDBC: the table read ({@code schema.name}); or {@code query}
 * @param query JDBC: a SELECT read instead of a table; its columns are the dataset's fields
 * @param watermarkColumn JDBC: a declared field that grows when a row is inserted or updated: a timestamp
 *                        ({@code updated_at}) or a long (a rowversion cast to bigint, a change counter); each run
 *                        reads the rows at or after the committed watermark minus the overlap
 * @param overlap JDBC: read again before the committed watermark, so rows committed late by long transactions are
 *                caught: an ISO-8601 duration for a timestamp watermark (default {@value #OVERLAP_DEFAULT}), a number
 *                of versions for a numeric one (default 0)
 * @param partitionColumn JDBC: a numeric, date or timestamp column to split the read over tasks, with the bounds
 * @param lowerBound JDBC: lower bound of {@code partitionColumn} for the split (rows outside are still read)
 * @param upperBound JDBC: upper bound of {@code partitionColumn} for the split
 * @param numPartitions JDBC: parallel reads (and at most this many connections)
 * @param fetchSize JDBC: rows fetched per round trip (default {@value #FETCH_SIZE_DEFAULT})
 * @param user JDBC: the database user, when it is not a secret; or {@code userEnv}
 * @param userEnv JDBC: environment variable holding the database user
 * @param passwordEnv JDBC: environment variable holding the password
 * @param passwordFile JDBC: file holding the password (a mounted secret); used when {@code passwordEnv} is unset
 * @param softDeleteColumn JDBC: a declared field that marks a row deleted (a flag or a time); the row's new version
 *                         reaches the trusted table like any update. Rows deleted for real are not seen
 * @param secretPropertiesFile Kafka: client properties whose values are credentials, each to a file holding its value
 *                             (a mounted secret), e.g. {@code sasl.jaas.config: /etc/sluice/kafka-jaas}
 * @param format files: the layout of the landing files (default JSON)
 * @param csv files: how CSV files are written; only with {@code format: csv}
 */
public record Source(Kind kind, String bootstrapServers, List<String> topics, Long maxRecordsPerBatch,
                     OnExpiredOffsets onExpiredOffsets, LinkedHashMap<String, String> properties,
                     LinkedHashMap<String, String> secretPropertiesEnv, String url, String table, String query,
                     String watermarkColumn, String overlap, String partitionColumn, String lowerBound,
                     String upperBound, Integer numPartitions, Integer fetchSize, String user, String userEnv,
                     String passwordEnv, String passwordFile, String softDeleteColumn,
                     LinkedHashMap<String, String> secretPropertiesFile, Format format, CsvOptions csv) {
    /** Default of {@link #maxRecordsPerBatch}. */
    public static final long MAX_RECORDS_PER_BATCH_DEFAULT = 1_000_000L;
    /** The landing files, today's default. */
    public static final Source FILES = new Source(Kind.FILES, null, null, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    /** Default of {@link #overlap}. */
    public static final String OVERLAP_DEFAULT = "PT10M";
    /** Default of {@link #fetchSize}. */
    public static final int FETCH_SIZE_DEFAULT = 10_000;

    private static final Pattern SECRET_PROPERTY = Pattern.compile(
            ".*(password|jaas|secret|credential).*", Pattern.CASE_INSENSITIVE);
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Kinds of source. */
    public enum Kind {
        /** Files in {@code <landing>/pending/}, in the layout {@code format} names. */
        @JsonProperty("files") FILES,
        /** A batch read of Kafka topics, offsets committed with the stage rows. */
        @JsonProperty("kafka") KAFKA,
        /** An incremental JDBC read by a watermark column, the watermark committed with the stage rows. */
        @JsonProperty("jdbc") JDBC
    }

    /** Layouts of landing files. */
    public enum Format {
        /** JSON lines, a JSON array, or objects concatenated; gzip'd or not. */
        @JsonProperty("json") JSON,
        /** Delimited text with a header line or declared columns; gzip'd or not. */
        @JsonProperty("csv") CSV,
        /** Avro object container files, each with its own writer schema. */
        @JsonProperty("avro") AVRO
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
        secretPropertiesFile = secretPropertiesFile == null ? new LinkedHashMap<>() : secretPropertiesFile;
        fetchSize = fetchSize == null ? FETCH_SIZE_DEFAULT : fetchSize;
    }

    /** A source without a landing-file layout: JSON files, Kafka or JDBC. */
    public Source(Kind kind, String bootstrapServers, List<String> topics, Long maxRecordsPerBatch,
                  OnExpiredOffsets onExpiredOffsets, LinkedHashMap<String, String> properties,
                  LinkedHashMap<String, String> secretPropertiesEnv, String url, String table, String query,
                  String watermarkColumn, String overlap, String partitionColumn, String lowerBound,
                  String upperBound, Integer numPartitions, Integer fetchSize, String user, String userEnv,
                  String passwordEnv, String passwordFile, String softDeleteColumn,
                  LinkedHashMap<String, String> secretPropertiesFile) {
        this(kind, bootstrapServers, topics, maxRecordsPerBatch, onExpiredOffsets, properties, secretPropertiesEnv,
                url, table, query, watermarkColumn, overlap, partitionColumn, lowerBound, upperBound, numPartitions,
                fetchSize, user, userEnv, passwordEnv, passwordFile, softDeleteColumn, secretPropertiesFile, null,
                null);
    }

    /** The layout of the landing files; JSON unless {@link #format} names another. */
    public Format fileFormat() {
        return format == null ? Format.JSON : format;
    }

    /** The CSV options, defaults where the config sets none. */
    public CsvOptions csvOptions() {
        return csv == null ? CsvOptions.DEFAULTS : csv;
    }

    /** {@link #overlap} of a timestamp watermark, as a duration ({@value #OVERLAP_DEFAULT} when not given). */
    public java.time.Duration overlapDuration() {
        return Durations.parse("source.overlap", overlap == null ? OVERLAP_DEFAULT : overlap);
    }

    /** {@link #overlap} of a numeric watermark, as a count of versions (0 when not given). */
    public long overlapVersions() {
        return overlap == null ? 0 : Long.parseLong(overlap.strip());
    }

    /** {@link #maxRecordsPerBatch}, or its default. */
    public long recordsPerBatch() {
        return maxRecordsPerBatch == null ? MAX_RECORDS_PER_BATCH_DEFAULT : maxRecordsPerBatch;
    }

    void validate(String at, Map<String, FieldType> fields) {
        // 'at' is "<config>: datasets.<name>.source"; advice names the key alone.
        String key = at.contains(": ") ? at.substring(at.indexOf(": ") + 2) : at;
        List<String> kafkaKeys = kafkaKeysSet();
        List<String> jdbcKeys = jdbcKeysSet();
        if (kind != Kind.KAFKA && !kafkaKeys.isEmpty()) {
            throw new ConfigException(at + ": " + String.join(", ", kafkaKeys) + " belong to a Kafka source; set "
                    + key + ".kind: kafka or remove them");
        }
        if (kind != Kind.JDBC && !jdbcKeys.isEmpty()) {
            throw new ConfigException(at + ": " + String.join(", ", jdbcKeys) + " belong to a JDBC source; set "
                    + key + ".kind: jdbc or remove them");
        }
        if (kind != Kind.FILES && format != null) {
            throw new ConfigException(at + ".format: a " + kind.name().toLowerCase(Locale.ROOT) + " source has no"
                    + " file layout; format applies to " + key + ".kind: files (Kafka values and JDBC rows are read"
                    + " as they are)");
        }
        if (csv != null && (kind != Kind.FILES || fileFormat() != Format.CSV)) {
            throw new ConfigException(at + ".csv: CSV options apply to a source of kind: files with format: csv;"
                    + " this one reads " + (kind == Kind.FILES ? fileFormat().name().toLowerCase(Locale.ROOT)
                    + " files" : kind.name().toLowerCase(Locale.ROOT)) + ". Set " + key + ".format: csv or remove "
                    + key + ".csv");
        }
        switch (kind) {
            case FILES -> {
                if (fileFormat() == Format.CSV) {
                    csvOptions().validate(at + ".csv");
                }
            }
            case KAFKA -> validateKafka(at, key);
            case JDBC -> validateJdbc(at, key, fields);
        }
    }

    /** The Kafka keys this source sets, by name. */
    private List<String> kafkaKeysSet() {
        Map<String, Boolean> set = new LinkedHashMap<>();
        set.put("bootstrapServers", bootstrapServers != null);
        set.put("topics", !topics.isEmpty());
        set.put("maxRecordsPerBatch", maxRecordsPerBatch != null);
        set.put("properties", !properties.isEmpty());
        set.put("secretPropertiesEnv", !secretPropertiesEnv.isEmpty());
        set.put("secretPropertiesFile", !secretPropertiesFile.isEmpty());
        return set.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
    }

    /** The JDBC keys this source sets, by name. */
    private List<String> jdbcKeysSet() {
        List<String> set = new java.util.ArrayList<>();
        Object[] values = {url, table, query, watermarkColumn, partitionColumn, lowerBound, upperBound, numPartitions,
                user, userEnv, passwordEnv, passwordFile, softDeleteColumn};
        String[] names = {"url", "table", "query", "watermarkColumn", "partitionColumn", "lowerBound", "upperBound",
                "numPartitions", "user", "userEnv", "passwordEnv", "passwordFile", "softDeleteColumn"};
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                set.add(names[i]);
            }
        }
        return set;
    }

    private void validateJdbc(String at, String key, Map<String, FieldType> fields) {
        if (url == null || !url.startsWith("jdbc:")) {
            throw new ConfigException(at + ".url is missing or does not start with jdbc:; give the database's JDBC URL");
        }
        if (SECRET_PROPERTY.matcher(url.toLowerCase(Locale.ROOT)).matches()) {
            throw new ConfigException(at + ".url holds a credential; secrets never go in a config file. Name the"
                    + " environment variable that holds the password in " + key + ".passwordEnv, or a file in "
                    + key + ".passwordFile");
        }
        if ((table == null) == (query == null)) {
            throw new ConfigException(at + ": give exactly one of table (schema.name) and query (a SELECT)");
        }
        if (watermarkColumn == null || !fields.containsKey(watermarkColumn)) {
            throw new ConfigException(at + ".watermarkColumn: '" + watermarkColumn + "' is not one of the declared"
                    + " fields " + fields.keySet() + "; name the timestamp column that grows on every insert and update");
        }
        FieldType watermarkType = fields.get(watermarkColumn);
        if (watermarkType == FieldType.LONG) {
            if (overlap != null && !overlap.strip().matches("[0-9]{1,18}")) {
                throw new ConfigException(at + ".overlap: '" + overlap + "' is not a number of versions; with a"
                        + " numeric watermark (" + watermarkColumn + ": long) give e.g. 1000, or 0 for none");
            }
        } else if (watermarkType == FieldType.TIMESTAMP) {
            java.time.Duration window = Durations.parse(at + ".overlap", overlap == null ? OVERLAP_DEFAULT : overlap);
            if (window.isNegative()) {
                throw new ConfigException(at + ".overlap is negative: " + overlap + "; give e.g. PT10M, or PT0S for"
                        + " none");
            }
        } else {
            throw new ConfigException(at + ".watermarkColumn: '" + watermarkColumn + "' is declared as "
                    + watermarkType.name().toLowerCase(Locale.ROOT) + "; a watermark is a timestamp (updated_at) or a"
                    + " long (a rowversion cast to bigint, a change counter)");
        }
        if (partitionColumn != null && (lowerBound == null || upperBound == null || numPartitions == null)) {
            throw new ConfigException(at + ".partitionColumn needs lowerBound, upperBound and numPartitions too");
        }
        if (partitionColumn == null && (lowerBound != null || upperBound != null)) {
            throw new ConfigException(at + ".lowerBound and upperBound only apply with partitionColumn");
        }
        if (numPartitions != null && numPartitions < 1) {
            throw new ConfigException(at + ".numPartitions is " + numPartitions + "; give at least 1");
        }
        if (fetchSize < 1) {
            throw new ConfigException(at + ".fetchSize is " + fetchSize + "; give at least 1");
        }
        if (user != null && userEnv != null) {
            throw new ConfigException(at + ": give user or userEnv, not both");
        }
        for (String env : java.util.Arrays.asList(userEnv, passwordEnv)) {
            if (env != null && !ENV_NAME.matcher(env).matches()) {
                throw new ConfigException(at + ": '" + env + "' is not an environment variable name; give the name"
                        + " of the variable (userEnv, passwordEnv), never the secret");
            }
        }
        if (softDeleteColumn != null && !fields.containsKey(softDeleteColumn)) {
            throw new ConfigException(at + ".softDeleteColumn: '" + softDeleteColumn + "' is not one of the declared"
                    + " fields " + fields.keySet());
        }
    }

    private void validateKafka(String at, String key) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new ConfigException(at + ".bootstrapServers is missing; give the brokers as host:port[,host:port]");
        }
        if (topics.isEmpty() || topics.stream().anyMatch(t -> t == null || t.isBlank())) {
            throw new ConfigException(at + ".topics is missing or holds an empty name; list the topics to read");
        }
        if (maxRecordsPerBatch != null && maxRecordsPerBatch < 1) {
            throw new ConfigException(at + ".maxRecordsPerBatch is " + maxRecordsPerBatch + "; give at least 1");
        }
        for (String property : properties.keySet()) {
            if (SECRET_PROPERTY.matcher(property.toLowerCase(Locale.ROOT)).matches()) {
                throw new ConfigException(at + ".properties." + property + " holds a credential; secrets never go in"
                        + " a config file. Name the environment variable that holds it instead: "
                        + key + ".secretPropertiesEnv." + property + ": SOME_ENV_VAR");
            }
            if (property.startsWith("kafka.")) {
                throw new ConfigException(at + ".properties." + property + ": write Kafka client properties without"
                        + " the 'kafka.' prefix (e.g. security.protocol)");
            }
        }
        for (String property : secretPropertiesFile.keySet()) {
            if (secretPropertiesEnv.containsKey(property)) {
                throw new ConfigException(at + ": " + property + " is in both secretPropertiesEnv and"
                        + " secretPropertiesFile; keep one");
            }
            if (secretPropertiesFile.get(property) == null || secretPropertiesFile.get(property).isBlank()) {
                throw new ConfigException(at + ".secretPropertiesFile." + property + " is empty; give the path of"
                        + " the file that holds the value");
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
