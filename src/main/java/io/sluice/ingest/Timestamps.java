package io.sluice.ingest;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.Month;
import java.time.Year;
import java.time.ZoneId;
import java.time.ZoneOffset;
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
        Instant fast = plain(normalized, zone);
        return fast != null ? Optional.of(fast) : formatted(normalized, zone);
    }

    /** What the formatters make of {@code normalized} (a {@code T} between date and time). */
    static Optional<Instant> formatted(String normalized, ZoneId zone) {
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

    /**
     * The common shapes, {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}][Z|+HH:MM|+HHMM|+HH]}, read without a formatter (parse
     * spends most of its typing time here); null for anything else or anything out of range, which the formatter
     * then decides on.
     */
    private static Instant plain(String text, ZoneId zone) {
        int length = text.length();
        if (length < 19 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
                || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return null;
        }
        int end = length;
        ZoneOffset offset = null;
        if (text.charAt(length - 1) == 'Z') {
            end = length - 1;
            offset = ZoneOffset.UTC;
        } else {
            int sign = Math.max(text.lastIndexOf('+'), text.lastIndexOf('-'));
            if (sign >= 19) {
                int seconds = offsetSeconds(text, sign + 1, length);
                if (seconds < 0) {
                    return null;
                }
                end = sign;
                offset = ZoneOffset.ofTotalSeconds(text.charAt(sign) == '-' ? -seconds : seconds);
            }
        }
        int nanos = 0;
        if (end > 19) {
            int digits = end - 20;
            if (text.charAt(19) != '.' || digits < 1 || digits > 9) {
                return null;
            }
            int fraction = digits(text, 20, end);
            if (fraction < 0) {
                return null;
            }
            nanos = fraction;
            for (int i = digits; i < 9; i++) {
                nanos *= 10;
            }
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 7);
        int day = digits(text, 8, 10);
        int hour = digits(text, 11, 13);
        int minute = digits(text, 14, 16);
        int second = digits(text, 17, 19);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > Month.of(month).length(Year.isLeap(year))
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        LocalDateTime local = LocalDateTime.of(year, month, day, hour, minute, second, nanos);
        return offset != null ? local.toInstant(offset) : local.atZone(zone).toInstant();
    }

    /** The seconds of an offset's {@code HH:MM}, {@code HHMM} or {@code HH} in [from, to), or -1 if it is not one. */
    private static int offsetSeconds(String text, int from, int to) {
        int hours;
        int minutes = 0;
        switch (to - from) {
            case 5 -> {
                if (text.charAt(from + 2) != ':') {
                    return -1;
                }
                hours = digits(text, from, from + 2);
                minutes = digits(text, from + 3, to);
            }
            case 4 -> {
                hours = digits(text, from, from + 2);
                minutes = digits(text, from + 2, to);
            }
            case 2 -> hours = digits(text, from, to);
            default -> {
                return -1;
            }
        }
        int seconds = hours * 3600 + minutes * 60;
        return hours < 0 || minutes < 0 || minutes > 59 || seconds > 18 * 3600 ? -1 : seconds;
    }

    /** The non-negative number the digits in [from, to) of {@code text} spell, or -1 if one is not a digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** An epoch number: milliseconds when it is beyond the year 5138 in seconds, else seconds. */
    public static Instant fromEpoch(long value) {
        return Math.abs(value) >= 100_000_000_000L ? Instant.ofEpochMilli(value) : Instant.ofEpochSecond(value);
    }
}
