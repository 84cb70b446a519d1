package io.sluice.generate;

import io.sluice.generate.EventSerializer.Flaw;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * One pass of {@link EventGenerator}. Records that must show up again later (duplicates, the other version
 * of an update) wait in a queue bounded by the delay window, so memory does not grow with the event count.
 */
final class GenerationRun {
    private static final long MAX_DELAY_EVENTS = 100_000;
    private static final long MAX_UPDATE_SECONDS = 3 * 86_400;
    private static final Flaw[] ALL_FLAWS = Flaw.values();
    private static final Flaw[] WELL_FORMED_FLAWS = {Flaw.MISSING_EVENT_ID, Flaw.NOT_A_DATE};

    private final GeneratorSettings settings;
    private final Path directory;
    private final SplittableRandom random;
    private final EventSerializer serializer = new EventSerializer();
    private final PriorityQueue<Delayed> delayed = new PriorityQueue<>(
            Comparator.comparingLong(Delayed::due).thenComparingLong(Delayed::sequence));
    private final Instant from;
    private final long seconds;
    private final long window;
    private long sequence;
    private long records;
    private long versions;
    private long duplicates;
    private long bad;
    private long bytes;

    /** A record to write once event {@code due} is reached; {@code sequence} keeps the order total. */
    private record Delayed(long due, long sequence, byte[] record) {
    }

    GenerationRun(GeneratorSettings settings, Path directory) {
        this.settings = settings;
        this.directory = directory;
        this.random = new SplittableRandom(settings.seed());
        this.from = settings.start().atStartOfDay(ZoneOffset.UTC).toInstant();
        this.seconds = settings.days() * 86_400L;
        long perFile = settings.events() / settings.files();
        this.window = Math.max(1, Math.min(MAX_DELAY_EVENTS, perFile));
    }

    GenerationSummary execute() {
        long event = 0;
        for (int index = 0; index < settings.files(); index++) {
            long end = event + settings.events() / settings.files()
                    + (index < settings.events() % settings.files() ? 1 : 0);
            FileLayout layout = settings.layout().forFile(index);
            EventFileWriter out = EventFileWriter.open(directory.resolve(EventGenerator.fileName(settings, index)),
                    layout);
            try (out) {
                for (; event < end; event++) {
                    releaseDue(event, out);
                    writeEvent(event, layout, out);
                }
                if (index == settings.files() - 1) {
                    releaseDue(Long.MAX_VALUE, out);
                }
            }
            bytes += out.bytes();
        }
        return new GenerationSummary(settings.events(), records, versions, duplicates, bad, settings.files(), bytes);
    }

    private void writeEvent(long event, FileLayout layout, EventFileWriter out) {
        EventKind kind = EventKind.draw(random);
        String eventId = uuid();
        int id = random.nextInt(1, 1_000_000);
        Instant at = EventTimestamps.draw(from, seconds, random);
        byte[] now = serializer.event(eventId, EventTimestamps.format(at, random), kind, id, random);
        if (random.nextDouble() < settings.updateRate()) {
            Instant later = at.plusSeconds(random.nextLong(1, MAX_UPDATE_SECONDS));
            byte[] update = serializer.event(eventId, EventTimestamps.format(later, random), kind, id, random);
            versions++;
            if (random.nextBoolean()) {
                delay(event, update);
            } else {
                // The newer version first: the original arrives late, as an older version.
                delay(event, now);
                now = update;
            }
        }
        write(now, out);
        if (random.nextDouble() < settings.duplicateRate()) {
            duplicates++;
            delay(event, now);
        }
        if (random.nextDouble() < settings.badRate()) {
            bad++;
            write(badRecord(layout), out);
        }
    }

    private byte[] badRecord(FileLayout layout) {
        Flaw[] flaws = layout.toleratesBrokenRecords() ? ALL_FLAWS : WELL_FORMED_FLAWS;
        Flaw flaw = flaws[random.nextInt(flaws.length)];
        EventKind kind = EventKind.draw(random);
        String timestamp = EventTimestamps.format(EventTimestamps.draw(from, seconds, random), random);
        return serializer.bad(flaw, uuid(), timestamp, kind, random.nextInt(1, 1_000_000), random);
    }

    private void delay(long event, byte[] record) {
        delayed.add(new Delayed(event + 1 + random.nextLong(window), sequence++, record));
    }

    private void releaseDue(long event, EventFileWriter out) {
        while (!delayed.isEmpty() && delayed.peek().due() <= event) {
            write(delayed.poll().record(), out);
        }
    }

    private void write(byte[] record, EventFileWriter out) {
        out.write(record);
        records++;
    }

    /** A random version-4 UUID drawn from the seeded generator, so ids repeat with the seed. */
    private String uuid() {
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
    }
}
