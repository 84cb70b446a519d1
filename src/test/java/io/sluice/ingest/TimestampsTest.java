package io.sluice.ingest;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TimestampsTest {
    private static final ZoneId UTC = ZoneId.of("UTC");

    @Test
    void readsTheFormsFeedsWrite() {
        assertEquals(Optional.of(Instant.parse("2022-02-13T08:24:55Z")), Timestamps.parse("2022-02-13T08:24:55", UTC));
        assertEquals(Optional.of(Instant.parse("2022-02-13T08:24:55Z")), Timestamps.parse("2022-02-13 08:24:55", UTC));
        assertEquals(Optional.of(Instant.parse("2022-02-13T11:24:55Z")),
                Timestamps.parse("2022-02-13T08:24:55-03:00", UTC));
        assertEquals(Optional.of(Instant.parse("2022-02-13T11:24:55Z")),
                Timestamps.parse("2022-02-13T08:24:55-0300", UTC));
        assertEquals(Optional.of(Instant.parse("2019-08-23T17:57:56.4760435Z")),
                Timestamps.parse("2019-08-23T17:57:56.4760435Z", UTC));
        assertEquals(Optional.of(Instant.parse("2022-02-13T00:00:00Z")), Timestamps.parse("2022-02-13", UTC));
    }

    @Test
    void noOffsetMeansTheProfileZoneNeverTheJvmZone() {
        assertEquals(Optional.of(Instant.parse("2022-02-13T11:24:55Z")),
                Timestamps.parse("2022-02-13T08:24:55", ZoneId.of("America/Sao_Paulo")));
    }

    @Test
    void rejectsWhatIsNotATimestamp() {
        assertEquals(Optional.empty(), Timestamps.parse("not a date", UTC));
        assertEquals(Optional.empty(), Timestamps.parse("2022-13-45T00:00:00", UTC));
        assertEquals(Optional.empty(), Timestamps.parse("", UTC));
    }

    @Test
    void epochNumbersAreSecondsOrMillis() {
        assertEquals(Instant.parse("2023-07-25T16:29:33Z"), Timestamps.fromEpoch(1690302573L));
        assertEquals(Instant.parse("2023-07-25T16:29:33.123Z"), Timestamps.fromEpoch(1690302573123L));
    }

    @Test
    void theShortcutForCommonShapesAgreesWithTheFormatters() {
        ZoneId saoPaulo = ZoneId.of("America/Sao_Paulo");
        for (String time : new String[] {"2024-02-29T23:59:59", "2023-02-29T00:00:00", "2024-03-01T10:00:00.5",
                "2024-03-01T10:00:00.123456789", "2024-03-01T24:00:00", "2024-10-20T00:30:00"}) {
            for (String offset : new String[] {"", "Z", "+05:30", "-03:00", "+0530", "-0300", "-03", "+14", "+18:00",
                    "-18:00", "+18:01", "+19:00", "-00:00", "+05:60", "+05:3", "+5", "-", "+05:30Z", "+05-30"}) {
                String text = time + offset;
                assertEquals(Timestamps.formatted(text, saoPaulo), Timestamps.parse(text, saoPaulo), text);
            }
        }
        assertEquals(Optional.of(Instant.parse("2024-03-01T04:30:00Z")),
                Timestamps.parse("2024-03-01T10:00:00+05:30", UTC));
        assertEquals(Optional.of(Instant.parse("2024-03-01T13:00:00.5Z")),
                Timestamps.parse("2024-03-01T10:00:00.5-0300", UTC));
    }
}
