package io.sluice.generate;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;

/**
 * Draws event instants and writes them as feeds do: ISO-8601 with {@code Z}, with an offset, or with no zone
 * at all (meant as UTC); whole seconds mostly, milliseconds or microseconds sometimes.
 */
final class EventTimestamps {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");
    private static final ZoneOffset[] OFFSETS = {ZoneOffset.ofHours(-3), ZoneOffset.ofHours(-5),
            ZoneOffset.ofHours(1), ZoneOffset.ofHoursMinutes(5, 30), ZoneOffset.ofHours(9)};

    private EventTimestamps() {
    }

    /** An instant in {@code [from, from + seconds)}, with a fraction three times in ten. */
    static Instant draw(Instant from, long seconds, SplittableRandom random) {
        Instant whole = from.plusSeconds(random.nextLong(seconds));
        int fraction = random.nextInt(10);
        if (fraction < 2) {
            return whole.plusMillis(random.nextInt(1, 1000));
        }
        if (fraction < 3) {
            return whole.plusNanos(1000L * random.nextInt(1, 1_000_000));
        }
        return whole;
    }

    /** {@code instant} as text: with {@code Z} four times in ten, an offset three, no zone three. */
    static String format(Instant instant, SplittableRandom random) {
        int style = random.nextInt(10);
        ZoneOffset offset = style < 4 || style >= 7 ? ZoneOffset.UTC : OFFSETS[random.nextInt(OFFSETS.length)];
        LocalDateTime local = LocalDateTime.ofInstant(instant, offset);
        StringBuilder text = new StringBuilder(35).append(SECONDS.format(local));
        int nanos = local.getNano();
        if (nanos % 1_000_000 == 0 && nanos > 0) {
            text.append('.').append(String.format("%03d", nanos / 1_000_000));
        } else if (nanos > 0) {
            text.append('.').append(String.format("%06d", nanos / 1000));
        }
        if (style < 4) {
            text.append('Z');
        } else if (style < 7) {
            text.append(offset.getId());
        }
        return text.toString();
    }
}
