package io.sluice.ingest;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads instants as feeds write them: ISO-8601 with {@code T} or a space, up to nine fractional digits,
 * {@code Z} or an offset ({@code -03:00}, {@code -0300}, {@code -03}); without an offset the given zone
 * applies. Never the JVM's zone.
 */
public final class Timestamps {
    private static final DateTimeFormatter LOCAL = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .appendLiteral('T')
            .append(DateTimeFormatter.ISO_LOCAL_TIME)
            .toFormatter();
    private static final DateTimeFormatter WITH_OFFSET = new DateTimeFormatterBuilder()
            .append(LOCAL)
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HH", "Z").optionalEnd()
            .toFormatter();

    private Timestamps() {
    }

    /** The instant {@code text} denotes, or empty when it is not a timestamp. */
    public static Optional<Instant> parse(String text, ZoneId zone) {
        if (text == null) {
            return Optional.empty();
        }
        String normalized = text.strip();
        if (normalized.length() > 10 && normalized.charAt(10) == ' ') {
            normalized = normalized.substring(0, 10) + 'T' + normalized.substring(11);
        }
        try {
            if (normalized.length() == 10) {
                return Optional.of(LocalDate.parse(normalized).atStartOfDay(zone).toInstant());
            }
            var parsed = WITH_OFFSET.parseBest(normalized, OffsetDateTime::from, LocalDateTime::from);
            if (parsed instanceof OffsetDateTime offset) {
                return Optional.of(offset.toInstant());
            }
            return Optional.of(((LocalDateTime) parsed).atZone(zone).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** An epoch number: milliseconds when it is beyond the year 5138 in seconds, else seconds. */
    public static Instant fromEpoch(long value) {
        return Math.abs(value) >= 100_000_000_000L ? Instant.ofEpochMilli(value) : Instant.ofEpochSecond(value);
    }
}
