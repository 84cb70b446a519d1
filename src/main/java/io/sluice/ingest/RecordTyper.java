package io.sluice.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.config.DatasetProfile;
import io.sluice.config.FieldType;

import java.io.Serializable;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Types one JSON record against a dataset profile: declared fields in order, then, by profile, the
 * unknown top-level keys kept whole ({@code _extra}) and the structured document ({@code _document}). A record
 * missing a required field, or every field of its record key, is rejected with the reason.
 * Serializable so executors type records where they are read.
 */
public final class RecordTyper implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<String> names;
    private final List<FieldType> types;
    private final Set<String> required;
    /** Positions of the record key's fields among the typed values; empty when one of them is not declared. */
    private final int[] keyAt;
    private final String missingKey;
    private final boolean keepExtra;
    private final String zoneId;
    private final DocumentStructurer structurer;

    public RecordTyper(DatasetProfile profile, Optional<DocumentStructurer> structurer) {
        this.names = List.copyOf(profile.fieldTypes().keySet());
        this.types = List.copyOf(profile.fieldTypes().values());
        this.required = Set.copyOf(profile.required());
        int[] at = profile.recordKey().stream().mapToInt(names::indexOf).toArray();
        this.keyAt = Arrays.stream(at).allMatch(i -> i >= 0) ? at : new int[0];
        this.missingKey = missingRecordKey(profile.recordKey());
        this.structurer = structurer.orElse(null);
        this.keepExtra = this.structurer == null && profile.unknownKeys() == DatasetProfile.UnknownKeys.KEEP;
        this.zoneId = profile.eventTimeZone();
    }

    public boolean keepsExtra() {
        return keepExtra;
    }

    public boolean structures() {
        return structurer != null;
    }

    /** Number of values {@link #type} produces for an accepted record. */
    public int width() {
        return names.size() + (keepExtra ? 1 : 0) + (structurer != null ? 1 : 0);
    }

    /** Types {@code node}, or says why it cannot be used. */
    public TypedRecord type(JsonNode node) {
        if (!(node instanceof ObjectNode object)) {
            return TypedRecord.rejected("not a JSON object: a " + node.getNodeType().name().toLowerCase()
                    + " at the top level");
        }
        if (structurer != null) {
            try {
                object = structurer.structure(object);
            } catch (DocumentStructurer.UnstructurableException e) {
                return TypedRecord.rejected(e.getMessage());
            }
        }
        ZoneId zone = ZoneId.of(zoneId);
        Object[] values = new Object[width()];
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            JsonNode value = object.get(name);
            if (value == null || value.isNull() || (value.isTextual() && value.asText().isEmpty())) {
                if (required.contains(name)) {
                    return TypedRecord.rejected("missing required field '" + name + "'");
                }
                values[i] = null;
                continue;
            }
            Object typed = convert(types.get(i), value, zone);
            if (typed == null) {
                return TypedRecord.rejected("field '" + name + "' is not a " + types.get(i).name().toLowerCase()
                        + ": " + abbreviate(value.toString()));
            }
            values[i] = typed;
        }
        if (keyMissing(values)) {
            return TypedRecord.rejected(missingKey);
        }
        int next = names.size();
        if (keepExtra) {
            values[next++] = extra(object);
        }
        if (structurer != null) {
            values[next] = object.toString();
        }
        return TypedRecord.accepted(values);
    }

    /** Whether every field of the record key is null among {@code values} (a loop: this runs for every record). */
    private boolean keyMissing(Object[] values) {
        for (int at : keyAt) {
            if (values[at] != null) {
                return false;
            }
        }
        return keyAt.length > 0;
    }

    /**
     * Why a record none of whose record key fields is set is quarantined, required or not: it cannot be deduplicated
     * against other records, and null as one key would keep one of all such records.
     */
    public static String missingRecordKey(List<String> recordKey) {
        String fields = recordKey.stream().collect(Collectors.joining("', '", "'", "'"));
        return recordKey.size() == 1 ? "missing record key: field " + fields + " is absent, null or empty"
                : "missing record key: fields " + fields + " are all absent, null or empty";
    }

    private String extra(ObjectNode object) {
        if (object.size() == names.size() && names.stream().allMatch(object::has)) {
            return null;
        }
        ObjectNode extra = JsonRecordReader.MAPPER.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!names.contains(field.getKey())) {
                extra.set(field.getKey(), field.getValue());
            }
        }
        return extra.isEmpty() ? null : extra.toString();
    }

    private static Object convert(FieldType type, JsonNode value, ZoneId zone) {
        return switch (type) {
            case STRING -> value.isValueNode() ? value.asText() : value.toString();
            case JSON -> value.toString();
            case TIMESTAMP -> timestamp(value, zone);
            case LONG -> value.canConvertToExactIntegral() || value.isIntegralNumber() ? Long.valueOf(value.asLong())
                    : parseLong(value);
            case DOUBLE -> value.isNumber() ? Double.valueOf(value.asDouble()) : parseDouble(value);
            case BOOLEAN -> value.isBoolean() ? Boolean.valueOf(value.asBoolean()) : parseBoolean(value);
        };
    }

    private static Timestamp timestamp(JsonNode value, ZoneId zone) {
        Optional<Instant> instant = value.isIntegralNumber()
                ? Optional.of(Timestamps.fromEpoch(value.asLong()))
                : value.isTextual() ? Timestamps.parse(value.asText(), zone) : Optional.empty();
        return instant.map(Timestamp::from).orElse(null);
    }

    private static Long parseLong(JsonNode value) {
        if (!value.isTextual()) {
            return null;
        }
        try {
            return new BigDecimal(value.asText().strip()).longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            return null;
        }
    }

    private static Double parseDouble(JsonNode value) {
        if (!value.isTextual()) {
            return null;
        }
        try {
            return Double.valueOf(value.asText().strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Boolean parseBoolean(JsonNode value) {
        String text = value.asText().strip();
        return "true".equalsIgnoreCase(text) ? Boolean.TRUE : "false".equalsIgnoreCase(text) ? Boolean.FALSE : null;
    }

    static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }

    /** Names of the values {@link #type} produces, in order. */
    public List<String> columnNames() {
        List<String> columns = new ArrayList<>(names);
        if (keepExtra) {
            columns.add("_extra");
        }
        if (structurer != null) {
            columns.add("_document");
        }
        return columns;
    }

    public List<FieldType> fieldTypes() {
        return types;
    }
}
