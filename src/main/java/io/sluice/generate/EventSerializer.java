package io.sluice.generate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Serializes one record of the {@code events} contract to UTF-8 JSON bytes, good or deliberately bad. */
final class EventSerializer {
    /** Where a broken record is cut: just before its data, so the bytes stay valid UTF-8. */
    private static final byte[] DATA_KEY = "\"data\"".getBytes(StandardCharsets.UTF_8);
    /** The timestamp of a record whose timestamp is no date. */
    static final String NOT_A_DATE = "not-a-date";

    private final JsonFactory factory = new JsonFactory();
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);

    /** The flaws a bad record can have. */
    enum Flaw {
        /** The record stops halfway: not JSON. */
        BROKEN_JSON,
        /** The record has no {@code event_id}. */
        MISSING_EVENT_ID,
        /** The timestamp is {@value EventSerializer#NOT_A_DATE}. */
        NOT_A_DATE
    }

    /** A good record; {@code data} gets {@code id} and the keys of {@code kind}, drawn from {@code random}. */
    byte[] event(String eventId, String timestamp, EventKind kind, int id, SplittableRandom random) {
        return write(eventId, timestamp, kind, id, random);
    }

    /** A record with {@code flaw}; otherwise like {@link #event}. */
    byte[] bad(Flaw flaw, String eventId, String timestamp, EventKind kind, int id, SplittableRandom random) {
        return switch (flaw) {
            case BROKEN_JSON -> cutBeforeData(write(eventId, timestamp, kind, id, random));
            case MISSING_EVENT_ID -> write(null, timestamp, kind, id, random);
            case NOT_A_DATE -> write(eventId, NOT_A_DATE, kind, id, random);
        };
    }

    private byte[] write(String eventId, String timestamp, EventKind kind, int id, SplittableRandom random) {
        buffer.reset();
        try (JsonGenerator json = factory.createGenerator(buffer)) {
            json.writeStartObject();
            if (eventId != null) {
                json.writeStringField("event_id", eventId);
            }
            json.writeStringField("timestamp", timestamp);
            json.writeStringField("domain", kind.domain());
            json.writeStringField("event_type", kind.eventType());
            json.writeObjectFieldStart("data");
            json.writeNumberField("id", id);
            kind.writeData(json, random);
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize event " + eventId, e);
        }
        return buffer.toByteArray();
    }

    private static byte[] cutBeforeData(byte[] record) {
        for (int i = 0; i + DATA_KEY.length <= record.length; i++) {
            if (Arrays.equals(record, i, i + DATA_KEY.length, DATA_KEY, 0, DATA_KEY.length)) {
                return Arrays.copyOf(record, i);
            }
        }
        throw new IllegalStateException("a serialized event has no data key");
    }
}
