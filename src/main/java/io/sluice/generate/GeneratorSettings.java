package io.sluice.generate;

import java.time.LocalDate;

import static java.util.Objects.requireNonNull;

/**
 * What {@link EventGenerator} writes: how many events, how often they repeat, change or break, over how
 * many days, in which layout and how many files, from which seed.
 *
 * @param events distinct event ids to write
 * @param duplicateRate share of events written a second time, byte for byte
 * @param updateRate share of events that get a second version: same id, later timestamp, other data
 * @param badRate bad records (broken JSON, no event_id, a timestamp that is no date) per event
 * @param days event times spread over this many days from {@code start}
 * @param layout file layout
 * @param files number of files
 * @param seed random seed: the same settings always give the same bytes
 * @param start first day of event times (UTC)
 */
public record GeneratorSettings(long events, double duplicateRate, double updateRate, double badRate, int days,
                                FileLayout layout, int files, long seed, LocalDate start) {
    /** Default duplicate rate. */
    public static final double DUPLICATE_RATE_DEFAULT = 0.05;
    /** Default update rate. */
    public static final double UPDATE_RATE_DEFAULT = 0.05;
    /** Default bad-record rate. */
    public static final double BAD_RATE_DEFAULT = 0.001;
    /** Default number of days. */
    public static final int DAYS_DEFAULT = 365;
    /** Default layout. */
    public static final FileLayout LAYOUT_DEFAULT = FileLayout.NDJSON;
    /** Default seed. */
    public static final long SEED_DEFAULT = 42;
    /** Default first day. */
    public static final LocalDate START_DEFAULT = LocalDate.of(2023, 1, 1);
    /** Events per file when the number of files is not given. */
    public static final long EVENTS_PER_FILE_DEFAULT = 50_000;

    public GeneratorSettings {
        requireNonNull(layout, "layout is null");
        requireNonNull(start, "start is null");
        if (events < 1) {
            throw new IllegalArgumentException("events must be at least 1, got " + events);
        }
        requireRate("duplicate rate", duplicateRate);
        requireRate("update rate", updateRate);
        requireRate("bad rate", badRate);
        if (days < 1) {
            throw new IllegalArgumentException("days must be at least 1, got " + days);
        }
        if (files < 1 || files > events) {
            throw new IllegalArgumentException("files must be between 1 and the number of events (" + events
                    + "), got " + files);
        }
    }

    /** The defaults for {@code events} events. */
    public static GeneratorSettings defaults(long events) {
        return new GeneratorSettings(events, DUPLICATE_RATE_DEFAULT, UPDATE_RATE_DEFAULT, BAD_RATE_DEFAULT,
                DAYS_DEFAULT, LAYOUT_DEFAULT, defaultFiles(events), SEED_DEFAULT, START_DEFAULT);
    }

    /** One file per {@value #EVENTS_PER_FILE_DEFAULT} events, at least one. */
    public static int defaultFiles(long events) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, events / EVENTS_PER_FILE_DEFAULT));
    }

    /** These settings with another layout. */
    public GeneratorSettings withLayout(FileLayout other) {
        return new GeneratorSettings(events, duplicateRate, updateRate, badRate, days, other, files, seed, start);
    }

    /** These settings with another number of files. */
    public GeneratorSettings withFiles(int other) {
        return new GeneratorSettings(events, duplicateRate, updateRate, badRate, days, layout, other, seed, start);
    }

    private static void requireRate(String name, double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1, got " + rate);
        }
    }
}
