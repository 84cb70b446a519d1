package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How to read, key and lay out one dataset.
 *
 * @param recordKey columns that identify a record (an event, an order)
 * @param version column whose greatest value is the newest version of a record
 * @param keep whether the trusted table keeps the latest version per key or every distinct version
 * @param eventTime Spark SQL expression of the instant the partitions derive from
 * @param eventTimeZone zone the partition dates are taken in, and the zone of timestamps without an offset
 * @param fields declared top-level fields, in output order, with their types
 * @param required fields a record must carry, non-null, or it is quarantined
 * @param unknownKeys what to do with top-level keys not declared in {@code fields}
 * @param derived columns added at distribution, name to Spark SQL expression; {@code _event_date} is available
 * @param partitions partition columns of the trusted table
 * @param format table format of the trusted table
 * @param table optional catalog name, {@code db.name}, registered after each write
 * @param structure rules that turn stringified JSON into nested values; absent for flat datasets
 * @param history layout of historical folders for {@code backfill-history}; absent when there is none
 * @param gold tables {@code publish} derives from the trusted table, by name
 * @param source where {@code parse} reads the dataset from: landing files when absent, a Kafka topic or a JDBC table
 */
public record DatasetProfile(
        List<String> recordKey,
        String version,
        Keep keep,
        String eventTime,
        String eventTimeZone,
        LinkedHashMap<String, FieldType> fields,
        List<String> required,
        UnknownKeys unknownKeys,
        LinkedHashMap<String, String> derived,
        List<String> partitions,
        TableFormat format,
        String table,
        Structure structure,
        History history,
        LinkedHashMap<String, GoldTable> gold,
        Source source) {

    /** Which versions of a record the trusted table keeps. */
    public enum Keep {
        /** One row per key: the greatest version wins. */
        @JsonProperty("latest") LATEST,
        /** One row per key and version: every distinct version is kept once. */
        @JsonProperty("all-versions") ALL_VERSIONS
    }

    /** What happens to top-level keys the profile does not declare. */
    public enum UnknownKeys {
        /** Kept whole as JSON text in the {@code _extra} column. */
        @JsonProperty("keep") KEEP,
        /** Dropped. */
        @JsonProperty("drop") DROP
    }

    /** Format of a trusted table. */
    public enum TableFormat {
        /** Delta Lake: atomic commits, table-wide dedup, idempotent retries. */
        @JsonProperty("delta") DELTA,
        /** Plain Hive-style Parquet: partition-scoped dedup, no atomic commit. */
        @JsonProperty("parquet") PARQUET
    }

    public DatasetProfile {
        keep = keep == null ? Keep.LATEST : keep;
        eventTimeZone = eventTimeZone == null ? "UTC" : eventTimeZone;
        fields = fields == null ? new LinkedHashMap<>() : fields;
        required = required == null ? List.of() : List.copyOf(required);
        unknownKeys = unknownKeys == null ? UnknownKeys.KEEP : unknownKeys;
        derived = derived == null ? new LinkedHashMap<>() : derived;
        partitions = partitions == null ? List.of() : List.copyOf(partitions);
        format = format == null ? TableFormat.DELTA : format;
        recordKey = recordKey == null ? List.of() : List.copyOf(recordKey);
        gold = gold == null ? new LinkedHashMap<>() : gold;
    }

    /** A profile without gold tables, reading landing files. */
    public DatasetProfile(List<String> recordKey, String version, Keep keep, String eventTime, String eventTimeZone,
                          LinkedHashMap<String, FieldType> fields, List<String> required, UnknownKeys unknownKeys,
                          LinkedHashMap<String, String> derived, List<String> partitions, TableFormat format,
                          String table, Structure structure, History history) {
        this(recordKey, version, keep, eventTime, eventTimeZone, fields, required, unknownKeys, derived, partitions,
                format, table, structure, history, null, null);
    }

    /** This profile keeping {@code versions} instead. */
    public DatasetProfile withKeep(Keep versions) {
        return new DatasetProfile(recordKey, version, versions, eventTime, eventTimeZone, fields, required, unknownKeys,
                derived, partitions, format, table, structure, history, gold, source);
    }

    /** This profile writing {@code tableFormat} instead. */
    public DatasetProfile withFormat(TableFormat tableFormat) {
        return new DatasetProfile(recordKey, version, keep, eventTime, eventTimeZone, fields, required, unknownKeys,
                derived, partitions, tableFormat, table, structure, history, gold, source);
    }

    /** The zone of {@link #eventTimeZone()}. */
    public ZoneId zone() {
        return ZoneId.of(eventTimeZone);
    }

    public Optional<Structure> structuring() {
        return Optional.ofNullable(structure);
    }

    public Optional<History> historyLayout() {
        return Optional.ofNullable(history);
    }

    /** The source {@code parse} reads; landing files unless the profile names another. */
    public Source sourceOrFiles() {
        return source == null ? Source.FILES : source;
    }

    public Optional<String> tableName() {
        return Optional.ofNullable(table).filter(t -> !t.isBlank());
    }

    void validate(String source, String name) {
        String at = source + ": datasets." + name;
        if (recordKey.isEmpty()) {
            throw new ConfigException(at + ".recordKey is missing; list the columns that identify a record");
        }
        if (fields.isEmpty()) {
            throw new ConfigException(at + ".fields is missing; declare the record's top-level fields and types");
        }
        for (String key : recordKey) {
            requireField(at + ".recordKey", key);
        }
        requireField(at + ".version", version);
        for (String field : required) {
            requireField(at + ".required", field);
        }
        if (eventTime == null || eventTime.isBlank()) {
            throw new ConfigException(at + ".eventTime is missing; give the expression partitions derive from");
        }
        try {
            zone();
        } catch (DateTimeException e) {
            throw new ConfigException(at + ".eventTimeZone '" + eventTimeZone + "' is not a time zone;"
                    + " use a region such as UTC or America/Sao_Paulo", e);
        }
        for (String partition : partitions) {
            if (!derived.containsKey(partition) && !fields.containsKey(partition)) {
                throw new ConfigException(at + ".partitions: '" + partition + "' is neither a field nor a"
                        + " derived column; add it to datasets." + name + ".derived");
            }
        }
        if (structure != null) {
            structure.validate(at + ".structure");
        }
        if (history != null) {
            history.validate(at + ".history");
        }
        gold.forEach((goldName, goldTable) -> {
            if (goldTable == null) {
                throw new ConfigException(at + ".gold." + goldName + " is empty; give its query and keys");
            }
            goldTable.validate(at + ".gold", goldName);
        });
        if (this.source != null) {
            this.source.validate(at + ".source", fields);
        }
    }

    private void requireField(String key, String field) {
        if (field == null || !fields.containsKey(field)) {
            throw new ConfigException(key + ": '" + field + "' is not one of the declared fields "
                    + fields.keySet());
        }
    }

    /** Declared fields and types, in order. */
    public Map<String, FieldType> fieldTypes() {
        return fields;
    }
}
