package io.sluice.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Splits the text of one file into records, whatever layout real feeds use: JSON lines, one
 * pretty-printed array, objects concatenated with no separator, or any mix. Top-level values are records,
 * and so are the elements of a top-level array. Text that does not parse becomes one broken record and
 * reading resumes at the next line that starts a value, so no input is ever silently skipped.
 */
public final class JsonRecordReader {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private final String text;
    private final RecordSink sink;
    private long index;

    private JsonRecordReader(String text, RecordSink sink) {
        this.text = text;
        this.sink = sink;
    }

    /** Reads every record of {@code text} into {@code sink}. */
    public static void read(String text, RecordSink sink) {
        new JsonRecordReader(text, sink).readAll();
    }

    private void readAll() {
        int offset = skipSeparators(startAfterBom(), false);
        boolean inArray = false;
        while (offset < text.length()) {
            Outcome outcome = readFrom(offset, inArray);
            inArray = outcome.inArray;
            offset = skipSeparators(outcome.next, inArray);
            if (inArray && offset < text.length() && text.charAt(offset) == ']') {
                inArray = false;
                offset = skipSeparators(offset + 1, false);
            }
        }
    }

    private record Outcome(int next, boolean inArray) {
    }

    /**
     * Parses from {@code start} until the end or the first error; returns where to go on. Resumed inside
     * an array (after an error), the parser is at its own top level, so it reads one element at a time and
     * leaves the separating commas to {@link #readAll()}.
     */
    private Outcome readFrom(int start, boolean resumedInArray) {
        long baseLine = lineOf(start);
        int recordStart = start;
        int depth = resumedInArray ? 1 : 0;
        try (JsonParser parser = FACTORY.createParser(text.substring(start))) {
            while (true) {
                recordStart = start + (int) parser.currentLocation().getCharOffset();
                JsonToken token = parser.nextToken();
                if (token == null) {
                    return new Outcome(text.length(), false);
                }
                if (!resumedInArray && depth == 0 && token == JsonToken.START_ARRAY) {
                    depth = 1;
                    continue;
                }
                if (!resumedInArray && depth == 1 && token == JsonToken.END_ARRAY) {
                    depth = 0;
                    continue;
                }
                recordStart = start + (int) parser.currentTokenLocation().getCharOffset();
                long line = baseLine + parser.currentTokenLocation().getLineNr() - 1;
                JsonNode value = MAPPER.readTree(parser);
                sink.record(index++, line, value);
                if (resumedInArray) {
                    return new Outcome(start + (int) parser.currentLocation().getCharOffset(), true);
                }
            }
        } catch (JsonProcessingException e) {
            int errorAt = start + (int) Math.max(0, e.getLocation() == null ? 0 : e.getLocation().getCharOffset());
            int resume = resumePoint(recordStart, Math.max(errorAt, recordStart + 1));
            String raw = text.substring(recordStart, resume).strip();
            if (!raw.isEmpty()) {
                sink.broken(index++, lineOf(recordStart), raw, "malformed JSON: " + e.getOriginalMessage());
            }
            return new Outcome(resume, depth == 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse in-memory text", e);
        }
    }

    /**
     * Where reading resumes after an error: the first line after the broken record's start that begins
     * with '{' (indentation allowed) at or before the error, else the line after the error.
     */
    private int resumePoint(int recordStart, int errorAt) {
        int lineStart = text.indexOf('\n', recordStart);
        while (lineStart >= 0 && lineStart < errorAt) {
            int first = skipBlanks(lineStart + 1);
            if (first <= errorAt && first < text.length() && text.charAt(first) == '{' && first > recordStart) {
                return lineStart + 1;
            }
            lineStart = text.indexOf('\n', lineStart + 1);
        }
        int next = text.indexOf('\n', Math.min(errorAt, text.length()));
        return next < 0 ? text.length() : next + 1;
    }

    private int skipBlanks(int i) {
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t' || text.charAt(i) == '\r')) {
            i++;
        }
        return i;
    }

    private int skipSeparators(int i, boolean inArray) {
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || (inArray && c == ',')) {
                i++;
            } else {
                break;
            }
        }
        return i;
    }

    private int startAfterBom() {
        return !text.isEmpty() && text.charAt(0) == '\uFEFF' ? 1 : 0;
    }

    private long lineOf(int offset) {
        long line = 1;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
