package io.sluice.generate;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static java.util.Objects.requireNonNull;

/** Writes serialized records to one file, framed as its layout wants: lines, an array, or back to back. */
final class EventFileWriter implements Closeable {
    private static final byte[] NEWLINE = "\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ARRAY_SEPARATOR = ",\n".getBytes(StandardCharsets.UTF_8);
    private static final int BUFFER_BYTES = 1 << 20;

    private final Path file;
    private final FileLayout layout;
    private final OutputStream out;
    private long records;
    private boolean closed;

    private EventFileWriter(Path file, FileLayout layout, OutputStream out) {
        this.file = file;
        this.layout = layout;
        this.out = out;
    }

    /** Creates or replaces {@code file}, laid out as {@code layout}, which must be a concrete layout. */
    static EventFileWriter open(Path file, FileLayout layout) {
        requireNonNull(file, "file is null");
        requireNonNull(layout, "layout is null");
        if (layout == FileLayout.MIXED) {
            throw new IllegalArgumentException("a file has one layout; pick one for file " + file);
        }
        try {
            OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), BUFFER_BYTES);
            OutputStream out = layout == FileLayout.GZIP ? new GZIPOutputStream(raw, BUFFER_BYTES) : raw;
            if (layout == FileLayout.ARRAY) {
                out.write('[');
                out.write(NEWLINE);
            }
            return new EventFileWriter(file, layout, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file, e);
        }
    }

    /** Appends one record, serialized. */
    void write(byte[] record) {
        try {
            if (layout == FileLayout.ARRAY && records > 0) {
                out.write(ARRAY_SEPARATOR);
            }
            out.write(record);
            if (layout == FileLayout.NDJSON || layout == FileLayout.GZIP) {
                out.write(NEWLINE);
            }
            records++;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + file, e);
        }
    }

    /** The file's size on disk; valid after {@link #close()}. */
    long bytes() {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + file, e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (out) {
            if (layout == FileLayout.ARRAY) {
                out.write(NEWLINE);
                out.write(']');
                out.write(NEWLINE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish " + file, e);
        }
    }
}
