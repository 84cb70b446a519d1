package io.sluice.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;

/**
 * An Avro value as the JSON value a JSON feed would carry, so that an Avro record is typed exactly like a JSON one:
 * records and maps become objects, arrays arrays, strings and enums text, numbers numbers. Logical types become
 * what they mean: {@code timestamp-millis} and {@code timestamp-micros} an ISO-8601 instant in UTC,
 * {@code local-timestamp-*} a local date-time (the profile's zone applies), {@code date} an ISO date,
 * {@code time-*} an ISO time, {@code decimal} an exact number. Bytes and fixed values become base64 text.
 */
final class AvroValues {
    private static final JsonNodeFactory NODES = JsonRecordReader.MAPPER.getNodeFactory();

    private AvroValues() {
    }

    /** {@code record} as a JSON object of its fields, in the order of its writer schema. */
    static ObjectNode object(GenericRecord record) {
        ObjectNode object = NODES.objectNode();
        for (Schema.Field field : record.getSchema().getFields()) {
            object.set(field.name(), json(field.schema(), record.get(field.pos())));
        }
        return object;
    }

    private static JsonNode json(Schema schema, Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (schema.getType() == Schema.Type.UNION) {
            return json(schema.getTypes().get(GenericData.get().resolveUnion(schema, value)), value);
        }
        LogicalType logical = schema.getLogicalType();
        if (logical != null) {
            JsonNode meant = logical(logical, value);
            if (meant != null) {
                return meant;
            }
        }
        return switch (schema.getType()) {
            case RECORD -> object((GenericRecord) value);
            case MAP -> {
                ObjectNode map = NODES.objectNode();
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    map.set(entry.getKey().toString(), json(schema.getValueType(), entry.getValue()));
                }
                yield map;
            }
            case ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (Object element : (Collection<?>) value) {
                    array.add(json(schema.getElementType(), element));
                }
                yield array;
            }
            case STRING, ENUM -> NODES.textNode(value.toString());
            case INT -> NODES.numberNode((Integer) value);
            case LONG -> NODES.numberNode((Long) value);
            case FLOAT -> NODES.numberNode((Float) value);
            case DOUBLE -> NODES.numberNode((Double) value);
            case BOOLEAN -> NODES.booleanNode((Boolean) value);
            case BYTES -> NODES.textNode(Base64.getEncoder().encodeToString(bytes((ByteBuffer) value)));
            case FIXED -> NODES.textNode(Base64.getEncoder().encodeToString(((GenericFixed) value).bytes()));
            case NULL -> NODES.nullNode();
            case UNION -> throw new IllegalStateException("a union resolves to one of its branches");
        };
    }

    /** The value a logical type means, or null for a logical type read as its underlying type. */
    private static JsonNode logical(LogicalType logical, Object value) {
        if (logical instanceof LogicalTypes.TimestampMillis) {
            return NODES.textNode(Instant.ofEpochMilli((Long) value).toString());
        }
        if (logical instanceof LogicalTypes.TimestampMicros) {
            return NODES.textNode(Instant.EPOCH.plus((Long) value, ChronoUnit.MICROS).toString());
        }
        if (logical instanceof LogicalTypes.LocalTimestampMillis) {
            return NODES.textNode(LocalDateTime.ofInstant(Instant.ofEpochMilli((Long) value), ZoneOffset.UTC)
                    .toString());
        }
        if (logical instanceof LogicalTypes.LocalTimestampMicros) {
            return NODES.textNode(LocalDateTime.ofInstant(Instant.EPOCH.plus((Long) value, ChronoUnit.MICROS),
                    ZoneOffset.UTC).toString());
        }
        if (logical instanceof LogicalTypes.Date) {
            return NODES.textNode(LocalDate.ofEpochDay((Integer) value).toString());
        }
        if (logical instanceof LogicalTypes.TimeMillis) {
            return NODES.textNode(LocalTime.ofNanoOfDay((Integer) value * 1_000_000L).toString());
        }
        if (logical instanceof LogicalTypes.TimeMicros) {
            return NODES.textNode(LocalTime.ofNanoOfDay((Long) value * 1_000L).toString());
        }
        if (logical instanceof LogicalTypes.Decimal decimal) {
            byte[] unscaled = value instanceof GenericFixed fixed ? fixed.bytes() : bytes((ByteBuffer) value);
            return NODES.numberNode(new BigDecimal(new BigInteger(unscaled), decimal.getScale()));
        }
        return null;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
