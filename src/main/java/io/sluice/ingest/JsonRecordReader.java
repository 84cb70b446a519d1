package io.sluice.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Splits the text of one file into records, whatever layout real feeds use: JSON lines, one
 * pretty-printed array, objects concatenated with no separator, or any mix. Top-level values are records,
 * and so are the elements of a top-level array. Text that does not parse becomes one broken record and
 * reading resumes at the next line that starts a value, so no input is ever silently skipped.
 *
 * <p>Streaming: records are read one at a time with {@link #next()}, and only the text of the record being
 * read is held, so a file of any size reads in the memory of its largest record. Where the file's text is
 * damaged (not UTF-8, a corrupt gzip), the record in progress and the rest of the file become one broken
 * record with the damage as its reason.
 */
public final class JsonRecordReader implements LandingRecords {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private final LandingText source;
    private final TextWindow window;
    private long index;
    private boolean started;
    private boolean finished;
    private boolean damageReported;
    /** Where the next segment starts, between segments. */
    private long offset;
    private boolean inArray;
    private Segment segment;

    /**
     * One record found in a file: a parsed value, or text that is not well-formed JSON with the reason.
     *
     * @param index position among the file's records, from 0
     * @param line line of the file where the record starts, from 1
     */
    public record Found(long index, long line, JsonNode value, String raw, String reason) {
        public boolean broken() {
            return reason != null;
        }
    }

    public JsonRecordReader(LandingText source) {
        this.source = source;
        this.window = new TextWindow(source);
    }

    /** Reads every record of {@code text} into {@code sink}. */
    public static void read(String text, RecordSink sink) {
        JsonRecordReader reader = new JsonRecordReader(new LandingText(
                new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), false));
        for (Found found = reader.next(); found != null; found = reader.next()) {
            if (found.broken()) {
                sink.broken(found.index, found.line, found.raw, found.reason);
            } else {
                sink.record(found.index, found.line, found.value);
            }
        }
    }

    /** The next record of the file, or null after the last. */
    public Found next() {
        while (!finished) {
            if (segment == null && !startSegment()) {
                finished = true;
                return damageAtEnd();
            }
            Found found = segment.next();
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** Moves to the next value after separators; false at the end of the text. */
    private boolean startSegment() {
        if (!started) {
            started = true;
            offset = skipSeparators(window.charAt(0) == '\uFEFF' ? 1 : 0, false);
        }
        if (window.atEnd(offset)) {
            return false;
        }
        segment = new Segment(offset, inArray);
        return true;
    }

    private void endSegment(long next, boolean nextInArray) {
        segment.close();
        segment = null;
        inArray = nextInArray;
        offset = skipSeparators(next, inArray);
        if (inArray && window.charAt(offset) == ']') {
            inArray = false;
            offset = skipSeparators(offset + 1, false);
        }
    }

    private Found damageAtEnd() {
        Optional<LandingText.Damage> damage = source.damage();
        if (damage.isEmpty() || damageReported) {
            return null;
        }
        damageReported = true;
        long end = window.length();
        return new Found(index++, window.lineOf(end), null, damage.get().tail(), damage.get().reason());
    }

    /**
     * One parser's run from {@code start} until the end or the first error. Resumed inside an array (after an
     * error), the parser is at its own top level, so it reads one element at a time and leaves the separating
     * commas to {@link #endSegment}.
     */
    private final class Segment {
        private final long start;
        private final boolean resumedInArray;
        private final long baseLine;
        private final JsonParser parser;
        private long recordStart;
        private int depth;

        Segment(long start, boolean resumedInArray) {
            this.start = start;
            this.resumedInArray = resumedInArray;
            this.baseLine = window.lineOf(start);
            this.recordStart = start;
            this.depth = resumedInArray ? 1 : 0;
            window.release(start);
            try {
                this.parser = FACTORY.createParser(window.from(start));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The next record, or null when this segment ended without one. */
        Found next() {
            try {
                while (true) {
                    recordStart = start + parser.currentLocation().getCharOffset();
                    JsonToken token = parser.nextToken();
                    if (token == null) {
                        endSegment(window.length(), false);
                        return null;
                    }
                    if (!resumedInArray && depth == 0 && token == JsonToken.START_ARRAY) {
                        depth = 1;
                        continue;
                    }
                    if (!resumedInArray && depth == 1 && token == JsonToken.END_ARRAY) {
                        depth = 0;
                        continue;
                    }
                    recordStart = start + parser.currentTokenLocation().getCharOffset();
                    window.release(recordStart);
                    long line = baseLine + parser.currentTokenLocation().getLineNr() - 1;
                    JsonNode value = MAPPER.readTree(parser);
                    Found found = new Found(index++, line, value, null, null);
                    if (resumedInArray) {
                        endSegment(start + parser.currentLocation().getCharOffset(), true);
                    }
                    return found;
                }
            } catch (JsonProcessingException e) {
                return broken(e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private Found broken(JsonProcessingException e) {
            long errorAt = start + Math.max(0, e.getLocation() == null ? 0 : e.getLocation().getCharOffset());
            Optional<LandingText.Damage> damage = source.damage();
            if (damage.isPresent() && (e instanceof JsonEOFException || errorAt >= window.length())) {
                damageReported = true;
                long end = window.length();
                String raw = (window.text(recordStart, end) + damage.get().tail()).strip();
                Found found = new Found(index++, window.lineOf(recordStart), null, raw, damage.get().reason());
                endSegment(end, false);
                return found;
            }
            long resume = resumePoint(recordStart, Math.max(errorAt, recordStart + 1));
            String raw = window.text(recordStart, resume).strip();
            Found found = raw.isEmpty() ? null
                    : new Found(index++, window.lineOf(recordStart), null, raw,
                            "malformed JSON: " + e.getOriginalMessage());
            endSegment(resume, depth == 1);
            return found;
        }

        void close() {
            try {
                parser.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Where reading resumes after an error: the first line after the broken record's start that begins
     * with '{' (indentation allowed) at or before the error, else the line after the error.
     */
    private long resumePoint(long recordStart, long errorAt) {
        long lineStart = window.indexOf('\n', recordStart);
        while (lineStart >= 0 && lineStart < errorAt) {
            long first = skipBlanks(lineStart + 1);
            if (first <= errorAt && window.charAt(first) == '{' && first > recordStart) {
                return lineStart + 1;
            }
            lineStart = window.indexOf('\n', lineStart + 1);
        }
        long next = window.indexOf('\n', errorAt);
        return next < 0 ? window.length() : next + 1;
    }

    private long skipBlanks(long i) {
        int c = window.charAt(i);
        while (c == ' ' || c == '\t' || c == '\r') {
            c = window.charAt(++i);
        }
        return i;
    }

    private long skipSeparators(long i, boolean inArray) {
        int c = window.charAt(i);
        while (c >= 0 && (Character.isWhitespace(c) || (inArray && c == ','))) {
            c = window.charAt(++i);
        }
        return i;
    }
}
