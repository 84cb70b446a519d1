package io.sluice.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sluice.ingest.Timestamps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventGeneratorTest {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final List<String> KEYS = List.of("event_id", "timestamp", "domain", "event_type", "data");

    @TempDir
    Path temp;

    @Test
    void theSameSeedWritesTheSameBytesAndAnotherSeedDoesNot() throws IOException {
        GeneratorSettings settings = GeneratorSettings.defaults(3_000).withFiles(4).withLayout(FileLayout.MIXED);
        GenerationSummary first = new EventGenerator(settings).generate(temp.resolve("first"));
        GenerationSummary second = new EventGenerator(settings).generate(temp.resolve("second"));
        GeneratorSettings reseeded = new GeneratorSettings(3_000, 0.05, 0.05, 0.001, 365, FileLayout.MIXED, 4, 43,
                GeneratorSettings.START_DEFAULT);
        new EventGenerator(reseeded).generate(temp.resolve("third"));

        assertEquals(first, second);
        for (int index = 0; index < 4; index++) {
            String name = EventGenerator.fileName(settings, index);
            assertArrayEquals(Files.readAllBytes(temp.resolve("first").resolve(name)),
                    Files.readAllBytes(temp.resolve("second").resolve(name)), name);
        }
        assertFalse(Files.exists(temp.resolve("third").resolve(EventGenerator.fileName(settings, 0))));
        assertFalse(Files.readString(temp.resolve("third").resolve(EventGenerator.fileName(reseeded, 0)))
                .equals(Files.readString(temp.resolve("first").resolve(EventGenerator.fileName(settings, 0)))));
    }

    @Test
    void theFilesHoldWhatTheSummarySaysAtTheRatesAskedFor() throws IOException {
        GeneratorSettings settings = new GeneratorSettings(10_000, 0.05, 0.05, 0.002, 30, FileLayout.NDJSON, 3, 42,
                GeneratorSettings.START_DEFAULT);
        GenerationSummary summary = new EventGenerator(settings).generate(temp);

        List<String> lines = new ArrayList<>();
        for (int index = 0; index < 3; index++) {
            lines.addAll(Files.readAllLines(temp.resolve(EventGenerator.fileName(settings, index))));
        }
        long broken = 0;
        long missingId = 0;
        long notADate = 0;
        long exactCopies = 0;
        Set<String> seen = new HashSet<>();
        Map<String, Set<Instant>> versions = new HashMap<>();
        Instant from = settings.start().atStartOfDay(ZoneOffset.UTC).toInstant();
        for (String line : lines) {
            JsonNode record;
            try {
                record = JSON.readTree(line);
            } catch (IOException e) {
                broken++;
                continue;
            }
            if (!record.has("event_id")) {
                missingId++;
                continue;
            }
            if (record.get("timestamp").asText().equals("not-a-date")) {
                notADate++;
                continue;
            }
            if (!seen.add(line)) {
                exactCopies++;
                continue;
            }
            assertEquals(KEYS, iterable(record.fieldNames()), line);
            assertTrue(record.get("data").get("id").isInt(), line);
            Instant at = Timestamps.parse(record.get("timestamp").asText(), ZoneOffset.UTC).orElseThrow();
            assertFalse(at.isBefore(from) || at.isAfter(from.plusSeconds((30 + 3) * 86_400L)), line);
            assertTrue(versions.computeIfAbsent(record.get("event_id").asText(), id -> new HashSet<>()).add(at),
                    "two versions of one event share a timestamp: " + line);
        }

        // Pinned for seed 42: any change to what is drawn, or in which order, shows here.
        assertEquals(new GenerationSummary(10_000, 11_003, 478, 512, 13, 3, 2_464_217), summary);
        assertTrue(summary.duplicates() > 400 && summary.duplicates() < 600, "about 5% duplicates");
        assertTrue(summary.versions() > 400 && summary.versions() < 600, "about 5% updates");
        assertEquals(summary.records(), lines.size());
        assertEquals(summary.bad(), broken + missingId + notADate);
        assertTrue(broken > 0 && missingId > 0 && notADate > 0, "every flaw occurs");
        assertEquals(summary.duplicates(), exactCopies);
        assertEquals(summary.events(), versions.size());
        assertEquals(summary.versions(), versions.values().stream().mapToLong(Set::size).sum() - versions.size());
        assertEquals(summary.bytes(), Files.size(temp.resolve(EventGenerator.fileName(settings, 0)))
                + Files.size(temp.resolve(EventGenerator.fileName(settings, 1)))
                + Files.size(temp.resolve(EventGenerator.fileName(settings, 2))));
    }

    @Test
    void arrayConcatenatedAndGzipFilesParseWhole() throws IOException {
        GeneratorSettings base = GeneratorSettings.defaults(2_000).withFiles(2);

        GenerationSummary array = new EventGenerator(base.withLayout(FileLayout.ARRAY)).generate(temp.resolve("a"));
        GenerationSummary concat = new EventGenerator(base.withLayout(FileLayout.CONCAT)).generate(temp.resolve("c"));
        GeneratorSettings noBadRecords = new GeneratorSettings(2_000, 0.05, 0.05, 0, 365, FileLayout.GZIP, 2, 42,
                GeneratorSettings.START_DEFAULT);
        GenerationSummary gzip = new EventGenerator(noBadRecords).generate(temp.resolve("g"));

        assertEquals(array.records(), records(temp.resolve("a"), this::arrayElements));
        assertEquals(concat.records(), records(temp.resolve("c"), this::concatenated));
        assertEquals(gzip.records(), records(temp.resolve("g"), this::gzipLines));
        assertEquals(2, fileNames(temp.resolve("g")).stream().filter(name -> name.endsWith(".json.gz")).count());
        assertEquals(array.records(), concat.records());
    }

    private interface Reader {
        List<JsonNode> read(Path file) throws IOException;
    }

    /** Records in every file of {@code directory}; each good one has the five keys. */
    private long records(Path directory, Reader reader) throws IOException {
        long count = 0;
        for (String name : fileNames(directory)) {
            for (JsonNode record : reader.read(directory.resolve(name))) {
                assertTrue(record.has("timestamp") && record.has("domain") && record.has("data"), record::toString);
                count++;
            }
        }
        return count;
    }

    private List<JsonNode> arrayElements(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        assertTrue(root.isArray(), file::toString);
        List<JsonNode> elements = new ArrayList<>();
        root.forEach(elements::add);
        return elements;
    }

    private List<JsonNode> concatenated(Path file) throws IOException {
        String text = Files.readString(file);
        assertFalse(text.contains("\n"), "concatenated records have no separator");
        return JSON.readerFor(JsonNode.class).<JsonNode>readValues(text).readAll();
    }

    private List<JsonNode> gzipLines(Path file) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                records.add(JSON.readTree(line));
            }
        }
        return records;
    }

    private static List<String> fileNames(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }
}
