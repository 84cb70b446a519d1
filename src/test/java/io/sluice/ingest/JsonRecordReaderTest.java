package io.sluice.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonRecordReaderTest {

    private static List<String> read(String text) {
        List<String> out = new ArrayList<>();
        JsonRecordReader.read(text, new RecordSink() {
            @Override
            public void record(long index, long line, JsonNode value) {
                out.add(index + "@" + line + " " + value);
            }

            @Override
            public void broken(long index, long line, String raw, String reason) {
                out.add(index + "@" + line + " BROKEN " + raw + " | " + reason.substring(0, reason.indexOf(':')));
            }
        });
        return out;
    }

    @Test
    void readsJsonLines() {
        assertEquals(List.of("0@1 {\"a\":1}", "1@2 {\"a\":2}", "2@4 {\"a\":3}"),
                read("{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n"));
    }

    @Test
    void readsPrettyPrintedArray() {
        assertEquals(List.of("0@2 {\"a\":1}", "1@5 {\"a\":2}"),
                read("[\n  {\n    \"a\": 1\n  },\n  {\"a\": 2}\n]\n"));
    }

    @Test
    void readsObjectsConcatenatedWithoutSeparator() {
        assertEquals(List.of("0@1 {\"a\":1}", "1@1 {\"a\":2}", "2@1 {\"b\":{\"c\":[1,2]}}"),
                read("{\"a\":1}{\"a\":2}{\"b\":{\"c\":[1,2]}}"));
    }

    @Test
    void emptyAndBlankTextHaveNoRecords() {
        assertEquals(List.of(), read(""));
        assertEquals(List.of(), read(" \n\t\n"));
        assertEquals(List.of(), read("[]"));
    }

    @Test
    void brokenLineIsQuarantinedAndReadingResumesAtTheNextLine() {
        assertEquals(List.of(
                        "0@1 {\"a\":1}",
                        "1@2 BROKEN {\"a\": 2, \"b | malformed JSON",
                        "2@3 {\"a\":3}",
                        "3@4 BROKEN {\"a\":4 | malformed JSON",
                        "4@5 {\"a\":5}"),
                read("{\"a\":1}\n{\"a\": 2, \"b\n{\"a\":3}\n{\"a\":4\n{\"a\":5}\n"));
    }

    @Test
    void brokenElementOfAnArrayKeepsTheOtherElements() {
        assertEquals(List.of(
                        "0@2 {\"a\":1}",
                        "1@3 BROKEN {\"a\": oops}, | malformed JSON",
                        "2@4 {\"a\":3}"),
                read("[\n  {\"a\": 1},\n  {\"a\": oops},\n  {\"a\": 3}\n]"));
    }

    @Test
    void scalarsAreRecordsForTheTyperToReject() {
        assertEquals(List.of("0@1 42", "1@2 \"text\"", "2@3 {\"a\":1}"), read("42\n\"text\"\n{\"a\":1}"));
    }

    @Test
    void byteOrderMarkIsIgnored() {
        assertEquals(List.of("0@1 {\"a\":1}"), read("\uFEFF{\"a\":1}"));
    }

    @Test
    void textThatIsNotJsonIsOneBrokenRecordPerLine() {
        assertEquals(List.of("0@1 BROKEN hello world | malformed JSON", "1@2 {\"a\":1}"),
                read("hello world\n{\"a\":1}"));
    }

    private static List<String> readBytes(byte[] content, boolean gzip) throws IOException {
        InputStream in = new ByteArrayInputStream(content);
        JsonRecordReader reader = new JsonRecordReader(new LandingText(gzip ? new GZIPInputStream(in) : in, gzip));
        List<String> out = new ArrayList<>();
        for (JsonRecordReader.Found found = reader.next(); found != null; found = reader.next()) {
            out.add(found.index() + "@" + found.line() + " " + (found.broken()
                    ? "BROKEN " + found.raw() + " | " + found.reason() : found.value().toString()));
        }
        return out;
    }

    @Test
    void recordsBeforeBytesThatAreNotUtf8AreKeptAndTheRestIsOneBrokenRecord() throws IOException {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        content.write("{\"a\":1}\n{\"a\":2}\n{\"a\":\"x".getBytes(StandardCharsets.UTF_8));
        content.write(new byte[] {(byte) 0xC3, (byte) 0x28});
        content.write("\"}\n{\"a\":4}\n".getBytes(StandardCharsets.UTF_8));

        assertEquals(List.of("0@1 {\"a\":1}", "1@2 {\"a\":2}",
                        "2@3 BROKEN {\"a\":\"x\u00c3(\"}\n{\"a\":4} | not UTF-8 text from byte offset 23 on; quarantined from the"
                                + " start of its record to the end of the file"),
                readBytes(content.toByteArray(), false));
    }

    @Test
    void aTruncatedGzipKeepsTheRecordsBeforeTheCut() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            text.append("{\"a\":").append(i).append(",\"pad\":\"").append(Integer.toHexString(i * 7919)).append("\"}\n");
        }
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
            gzip.write(text.toString().getBytes(StandardCharsets.UTF_8));
        }
        byte[] cut = java.util.Arrays.copyOf(zipped.toByteArray(), zipped.size() / 2);

        List<String> records = readBytes(cut, true);

        String lastText = records.get(records.size() - 1);
        assertTrue(records.size() > 1000, "records before the cut are kept: " + records.size());
        for (int i = 0; i < records.size() - 1; i++) {
            assertTrue(records.get(i).startsWith(i + "@" + (i + 1) + " {\"a\":" + i + ","), records.get(i));
        }
        assertTrue(lastText.startsWith((records.size() - 1) + "@" + records.size() + " BROKEN {\"a\":"),
                lastText);
        assertTrue(lastText.contains(" | corrupt gzip after "), lastText);
        assertTrue(lastText.endsWith("Unexpected end of ZLIB input stream; the records before the damage were kept,"
                + " the rest of the file cannot be read"), lastText);
    }

    /**
     * ~500 MB of JSON lines generated on the fly and never held: the reader keeps only the record in hand, so the
     * heap in use stays flat. The surefire heap is 3 GB; the test measures what reading adds, not the limit.
     */
    @Test
    void aHugeStreamReadsInConstantMemory() {
        long lines = 4_500_000;
        InputStream huge = new GeneratedLines(lines);
        JsonRecordReader reader = new JsonRecordReader(new LandingText(huge, false));
        Runtime runtime = Runtime.getRuntime();
        System.gc();
        long before = runtime.totalMemory() - runtime.freeMemory();
        long count = 0;
        long maxUsed = 0;
        for (JsonRecordReader.Found found = reader.next(); found != null; found = reader.next()) {
            assertEquals(count, found.index());
            count++;
            if (count % 500_000 == 0) {
                System.gc();
                maxUsed = Math.max(maxUsed, runtime.totalMemory() - runtime.freeMemory() - before);
            }
        }
        assertEquals(lines, count);
        assertTrue(((GeneratedLines) huge).produced > 450_000_000L, "bytes: " + ((GeneratedLines) huge).produced);
        assertTrue(maxUsed < 64L << 20, "heap grew by " + (maxUsed >> 20) + " MB while reading");
    }

    /**
     * The same read in a JVM of its own with a 48 MB heap, far less than the ~300 MB it reads: a reader that held the
     * file, or all its records, would die with an OutOfMemoryError.
     */
    @Test
    void aReadOfThreeHundredMegabytesFitsInAFortyEightMegabyteHeap() throws IOException, InterruptedException {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx48m", "-cp", System.getProperty("java.class.path"), HugeRead.class.getName(), "2800000")
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertEquals(0, process.waitFor(), output);
        String[] counts = output.strip().split(" ");
        assertEquals("2800000", counts[0], output);
        assertTrue(Long.parseLong(counts[1]) > 300_000_000L, output);
    }

    /** Reads the given number of generated lines and prints the records and bytes read. */
    static final class HugeRead {
        public static void main(String[] args) {
            GeneratedLines lines = new GeneratedLines(Long.parseLong(args[0]));
            JsonRecordReader reader = new JsonRecordReader(new LandingText(lines, false));
            long count = 0;
            for (JsonRecordReader.Found found = reader.next(); found != null; found = reader.next()) {
                count++;
            }
            System.out.println(count + " " + lines.produced);
        }
    }

    /** {@code lines} JSON lines of ~120 bytes, made as they are read. */
    private static final class GeneratedLines extends InputStream {
        private final long lines;
        private long line;
        private byte[] current = new byte[0];
        private int at;
        long produced;

        GeneratedLines(long lines) {
            this.lines = lines;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] target, int offset, int length) {
            if (at == current.length) {
                if (line == lines) {
                    return -1;
                }
                current = ("{\"event_id\":\"e-" + line + "\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"domain\":\"d\","
                        + "\"event_type\":\"t\",\"data\":{\"n\":" + line + "}}\n").getBytes(StandardCharsets.UTF_8);
                at = 0;
                line++;
            }
            int n = Math.min(length, current.length - at);
            System.arraycopy(current, at, target, offset, n);
            at += n;
            produced += n;
            return n;
        }
    }
}
