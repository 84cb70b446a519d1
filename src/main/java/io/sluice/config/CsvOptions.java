package io.sluice.config;

import java.io.Serializable;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How the landing files of a {@code format: csv} source are written. Every value is text; the dataset's declared
 * field types say how each column is read.
 *
 * @param header whether the first line names the columns (default {@value #HEADER_DEFAULT}); with {@code columns}
 *               too, the header line is skipped and {@code columns} name the values
 * @param columns the names of the columns, in file order; required when {@code header} is false
 * @param delimiter the one character between values (default {@value #DELIMITER_DEFAULT})
 * @param quote the one character that quotes a value holding a delimiter, a quote or a line break
 *              (default {@value #QUOTE_DEFAULT})
 * @param escape the one character that escapes a quote inside a quoted value (default {@value #ESCAPE_DEFAULT}:
 *               a doubled quote, as RFC 4180 and spreadsheets write it)
 * @param encoding the files' character set (default {@value #ENCODING_DEFAULT}, with or without a byte order mark;
 *                 e.g. ISO-8859-1 or windows-1252 for older exports)
 */
public record CsvOptions(Boolean header, List<String> columns, String delimiter, String quote, String escape,
                         String encoding) implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Default of {@link #header}. */
    public static final boolean HEADER_DEFAULT = true;
    /** Default of {@link #delimiter}. */
    public static final String DELIMITER_DEFAULT = ",";
    /** Default of {@link #quote}. */
    public static final String QUOTE_DEFAULT = "\"";
    /** Default of {@link #escape}. */
    public static final String ESCAPE_DEFAULT = "\"";
    /** Default of {@link #encoding}. */
    public static final String ENCODING_DEFAULT = "UTF-8";
    /** Every option at its default: a header line, commas, double quotes, UTF-8. */
    public static final CsvOptions DEFAULTS = new CsvOptions(null, null, null, null, null, null);

    public CsvOptions {
        header = header == null ? HEADER_DEFAULT : header;
        columns = columns == null ? List.of() : List.copyOf(columns);
        delimiter = delimiter == null ? DELIMITER_DEFAULT : delimiter;
        quote = quote == null ? QUOTE_DEFAULT : quote;
        escape = escape == null ? ESCAPE_DEFAULT : escape;
        encoding = encoding == null ? ENCODING_DEFAULT : encoding;
    }

    /** The character set of {@link #encoding}. */
    public Charset charset() {
        return Charset.forName(encoding);
    }

    void validate(String at) {
        if (!header && columns.isEmpty()) {
            throw new ConfigException(at + ".columns is missing; with header: false, name the columns in file order");
        }
        Set<String> seen = new HashSet<>();
        for (String column : columns) {
            if (column == null || column.isBlank() || !seen.add(column)) {
                throw new ConfigException(at + ".columns: '" + column + "' is empty or named twice; give each column"
                        + " a distinct name");
            }
        }
        oneCharacter(at + ".delimiter", delimiter);
        oneCharacter(at + ".quote", quote);
        oneCharacter(at + ".escape", escape);
        if (delimiter.equals(quote) || delimiter.equals("\n") || delimiter.equals("\r")) {
            throw new ConfigException(at + ".delimiter '" + delimiter + "' cannot be the quote or a line break");
        }
        boolean known;
        try {
            known = Charset.isSupported(encoding);
        } catch (IllegalCharsetNameException e) {
            known = false;
        }
        if (!known) {
            throw new ConfigException(at + ".encoding '" + encoding + "' is not a character set this JVM knows;"
                    + " give e.g. UTF-8, ISO-8859-1 or windows-1252");
        }
    }

    private static void oneCharacter(String key, String value) {
        if (value.length() != 1) {
            throw new ConfigException(key + " is '" + value + "'; give exactly one character (write a tab as \"\\t\")");
        }
    }
}
