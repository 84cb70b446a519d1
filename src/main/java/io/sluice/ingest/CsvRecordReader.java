package io.sluice.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.univocity.parsers.common.ParsingContext;
import com.univocity.parsers.common.TextParsingException;
import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import io.sluice.config.CsvOptions;
import io.sluice.config.FieldType;

import java.io.IOException;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Splits the text of one CSV file into records with univocity's parser (the one Spark ships), one at a time: a
 * file of any size reads in the memory of its largest record. Each row becomes a JSON object of its column names
 * to their text, typed afterwards like any JSON record; a column declared {@code json} is parsed as JSON. A row
 * with another number of values than there are columns, or a {@code json} value that does not parse, is a broken
 * record with its line and text; reading goes on. Where the text is damaged (a corrupt gzip, bytes not of the
 * character set), the row in progress and the rest of the file become one broken record with the damage as its
 * reason; a row the parser cannot read at all (longer than {@value #MAX_CHARS_PER_VALUE} characters in one value,
 * usually a quote never closed) ends the file the same way.
 */
final class CsvRecordReader implements LandingRecords {
    /** Start of the reason of the rest of a file the CSV parser cannot read. */
    static final String UNREADABLE_CSV = "unreadable CSV";
    /** Most characters of one value; more means a quote never closed, not data. */
    static final int MAX_CHARS_PER_VALUE = 16 << 20;
    private static final int MAX_COLUMNS = 16_384;
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private final LandingText text;
    private final CsvParser parser;
    private final List<String> declaredColumns;
    private final List<String> jsonFields;
    private List<String> columns;
    private Row ahead;
    private long index;
    private boolean started;
    private boolean finished;

    /** A parsed row, its first line and its text, before it is turned into a record; or why none could be. */
    private record Row(String[] values, long line, String raw, String reason) {
    }

    /**
     * @param text the file's text, decoded in the layout's character set
     * @param options how the file is written
     * @param typer the dataset's typing, for the names of the fields declared {@code json}
     */
    CsvRecordReader(LandingText text, CsvOptions options, RecordTyper typer) {
        this.text = text;
        this.declaredColumns = options.columns();
        List<String> json = new ArrayList<>();
        List<String> names = typer.columnNames();
        for (int i = 0; i < typer.fieldTypes().size(); i++) {
            if (typer.fieldTypes().get(i) == FieldType.JSON) {
                json.add(names.get(i));
            }
        }
        this.jsonFields = List.copyOf(json);
        CsvParserSettings settings = new CsvParserSettings();
        settings.getFormat().setDelimiter(options.delimiter().charAt(0));
        settings.getFormat().setQuote(options.quote().charAt(0));
        settings.getFormat().setQuoteEscape(options.escape().charAt(0));
        // No comment lines: a row that happens to start with '#' is data, never silently skipped.
        settings.getFormat().setComment('\0');
        settings.setLineSeparatorDetectionEnabled(true);
        settings.setIgnoreLeadingWhitespaces(false);
        settings.setIgnoreTrailingWhitespaces(false);
        settings.setMaxCharsPerColumn(MAX_CHARS_PER_VALUE);
        settings.setMaxColumns(MAX_COLUMNS);
        settings.setReadInputOnSeparateThread(false);
        settings.setErrorContentLength(200);
        this.parser = new CsvParser(settings);
        if (!options.header()) {
            columns = declaredColumns;
        }
    }

    @Override
    public JsonRecordReader.Found next() {
        if (finished) {
            return null;
        }
        if (!started) {
            started = true;
            parser.beginParsing(withoutByteOrderMark(text));
            if (columns == null) {
                Row header = parse();
                if (header == null) {
                    return end(null);
                }
                if (header.values == null) {
                    return end(header);
                }
                columns = declaredColumns.isEmpty() ? headerNames(header.values) : declaredColumns;
            }
            ahead = parse();
        }
        Row current = ahead;
        if (current == null) {
            return end(null);
        }
        if (current.values == null) {
            return end(current);
        }
        ahead = parse();
        if (ahead == null && text.damage().isPresent()) {
            // The damage cut the file's last row short, or right after it: either way it is not known to be whole.
            return end(current);
        }
        return record(current);
    }

    /** The last record of a file: the damage, with the row it cut short if any, or null when the file ended well. */
    private JsonRecordReader.Found end(Row last) {
        finished = true;
        parser.stopParsing();
        if (last != null && last.values == null) {
            return new JsonRecordReader.Found(index++, last.line, null, last.raw, UNREADABLE_CSV + " from line "
                    + last.line + " on: " + last.reason + "; the records before were kept, the rest of the file is"
                    + " not read");
        }
        Optional<LandingText.Damage> damage = text.damage();
        if (damage.isEmpty()) {
            return null;
        }
        String raw = last == null ? damage.get().tail() : last.raw + damage.get().tail();
        return new JsonRecordReader.Found(index++, last == null ? parser.getContext().currentLine() + 1 : last.line,
                null, raw, damage.get().reason());
    }

    private JsonRecordReader.Found record(Row row) {
        long at = index++;
        if (row.values.length != columns.size()) {
            return new JsonRecordReader.Found(at, row.line, null, row.raw, "row has " + row.values.length
                    + (row.values.length == 1 ? " value" : " values") + ", the file has " + columns.size()
                    + " columns " + columns);
        }
        ObjectNode object = JsonRecordReader.MAPPER.createObjectNode();
        for (int i = 0; i < columns.size(); i++) {
            String name = columns.get(i);
            String value = row.values[i];
            if (value == null) {
                // An empty value is an absent one, as an absent key is in JSON: null, and never an unknown key.
                continue;
            } else if (jsonFields.contains(name) && !value.isBlank()) {
                try {
                    object.set(name, JsonRecordReader.MAPPER.readTree(value));
                } catch (JsonProcessingException e) {
                    return new JsonRecordReader.Found(at, row.line, null, row.raw, "field '" + name + "' is not"
                            + " a json: " + RecordTyper.abbreviate(value));
                }
            } else {
                object.put(name, value);
            }
        }
        return new JsonRecordReader.Found(at, row.line, object, row.raw, null);
    }

    /** The next row; a row with null values when the parser cannot go on; null at the end of the text. */
    private Row parse() {
        String[] values;
        try {
            values = parser.parseNext();
        } catch (TextParsingException e) {
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io;
            }
            long line = Math.max(1, e.getLineIndex() + 1);
            String content = e.getParsedContent();
            return new Row(null, line, content == null ? "" : content, reasonOf(e));
        }
        if (values == null) {
            return null;
        }
        ParsingContext context = parser.getContext();
        String content = context.currentParsedContent();
        String raw = content == null ? "" : withoutLineEnd(content);
        // The parser counts lines up to the row's end; the line breaks inside its quoted values say where it began.
        long breaks = raw.chars().filter(c -> c == '\n').count();
        return new Row(values, context.currentLine() - breaks, raw, null);
    }

    private static String withoutLineEnd(String content) {
        int end = content.length();
        if (end > 0 && content.charAt(end - 1) == '\n') {
            end--;
        }
        if (end > 0 && content.charAt(end - 1) == '\r') {
            end--;
        }
        return content.substring(0, end);
    }

    private static String reasonOf(TextParsingException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int cut = message.indexOf('\n');
        return cut < 0 ? message : message.substring(0, cut);
    }

    private static List<String> headerNames(String[] header) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < header.length; i++) {
            String name = header[i] == null ? "" : header[i].strip();
            names.add(name.isEmpty() ? "_c" + i : name);
        }
        return names;
    }

    private static Reader withoutByteOrderMark(Reader text) {
        PushbackReader in = new PushbackReader(text, 1);
        try {
            int first = in.read();
            if (first >= 0 && first != BYTE_ORDER_MARK) {
                in.unread(first);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return in;
    }
}
