package io.sluice.ingest;

import io.sluice.storage.HadoopStorage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.io.compress.GzipCodec;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

/**
 * The rows of one landing file, or of one split of it, read as a stream. A whole file is fingerprinted (SHA-256
 * of the file as stored) while it is read; a text file (JSON, CSV) is gunzipped when it starts with the gzip magic
 * (whatever its name) or decompressed by the codec its extension names, decoded (UTF-8 unless a CSV layout names
 * another character set) and split into records one at a time, an Avro file read by Avro; after the
 * last record comes its file-end row with the fingerprint. A split reads the lines that start in its byte range
 * and ends with a split-end row holding the number of lines it read; a fingerprint task only hashes the file and
 * emits the file-end row. See {@link ParsedRecords#schema}.
 */
final class FileRows implements Closeable {
    private final FileTask task;
    private final RecordTyper typer;
    private final InputStream stored;
    private final DigestInputStream digested;
    private final SplitLines lines;
    private final LandingRecords reader;
    private long records;
    private long lastLine = 1;
    private boolean ended;

    FileRows(FileTask task, RecordTyper typer, LandingLayout layout, Configuration conf) {
        this.task = task;
        this.typer = typer;
        Path path = HadoopStorage.path(task.uri());
        InputStream opened = null;
        try {
            FSDataInputStream in = HadoopStorage.fileSystem(path, conf).open(path);
            opened = in;
            if (task.kind() == FileTask.Kind.SPLIT) {
                this.digested = null;
                this.lines = new SplitLines(in, task.start(), task.end());
                this.reader = new JsonRecordReader(new LandingText(lines, false, lines.firstByte()));
            } else {
                this.lines = null;
                this.digested = new DigestInputStream(in, MessageDigest.getInstance("SHA-256"));
                this.reader = task.kind() == FileTask.Kind.WHOLE ? records(layout, typer, digested, path, conf) : null;
            }
            this.stored = in;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        } catch (IOException e) {
            closeQuietly(opened);
            throw unreadable(e);
        }
    }

    private static LandingRecords records(LandingLayout layout, RecordTyper typer, InputStream raw, Path path,
                                          Configuration conf) throws IOException {
        return switch (layout.format()) {
            case JSON -> new JsonRecordReader(content(raw, path, conf, StandardCharsets.UTF_8));
            case CSV -> new CsvRecordReader(content(raw, path, conf, layout.csv().charset()), layout.csv(), typer);
            case AVRO -> new AvroRecordReader(new BufferedInputStream(raw, 1 << 16));
        };
    }

    private static LandingText content(InputStream raw, Path path, Configuration conf, Charset charset)
            throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        boolean gzip = startsWithGzipMagic(buffered);
        InputStream content = buffered;
        if (gzip) {
            content = new GZIPInputStream(buffered, 1 << 16);
        } else {
            CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
            if (codec != null && !(codec instanceof GzipCodec)) {
                content = codec.createInputStream(buffered);
            }
        }
        return new LandingText(content, gzip, 0, charset);
    }

    /** The next row, or null after the file-end (or split-end) row. */
    Row next() {
        if (ended) {
            return null;
        }
        if (reader == null) {
            ended = true;
            return fileEnd(-1);
        }
        JsonRecordReader.Found found;
        try {
            found = reader.next();
        } catch (UncheckedIOException e) {
            throw unreadable(e.getCause());
        } catch (OutOfMemoryError e) {
            // Named here, where the file is known; the task fails like any other instead of killing the executor.
            throw new IllegalStateException("java.lang.OutOfMemoryError while parsing landing file " + task.uri()
                    + " after line " + lastLine + " (" + e.getMessage() + "): a single record this large, or the"
                    + " rows of this task, do not fit in the heap", e);
        }
        if (found == null) {
            ended = true;
            return lines != null ? splitEnd() : fileEnd(records);
        }
        records++;
        lastLine = found.line();
        if (found.broken()) {
            return bad(found.index(), found.line(), found.raw(), found.reason());
        }
        TypedRecord typed = typer.type(found.value());
        if (typed.rejectionReason().isPresent()) {
            String raw = found.raw() != null ? found.raw() : found.value().toString();
            return bad(found.index(), found.line(), raw, typed.rejection());
        }
        Object[] values = typed.values();
        Object[] row = new Object[values.length + ParsedRecords.TRAILING_COLUMNS];
        System.arraycopy(values, 0, row, 0, values.length);
        fillTrailing(row, values.length, null, found.index(), found.line(), null, null);
        return RowFactory.create(row);
    }

    private Row bad(long index, long line, String raw, String reason) {
        Object[] row = new Object[typer.width() + ParsedRecords.TRAILING_COLUMNS];
        fillTrailing(row, typer.width(), null, index, line, reason, raw);
        return RowFactory.create(row);
    }

    /**
     * Reads what the parser left (a gzip trailer, bytes after damage) so the fingerprint covers the whole file.
     *
     * @param count records of the file, or -1 for a file that splits read
     */
    private Row fileEnd(long count) {
        try {
            digested.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw unreadable(e);
        }
        String fingerprint = HexFormat.of().formatHex(digested.getMessageDigest().digest());
        close();
        Object[] row = new Object[typer.width() + ParsedRecords.TRAILING_COLUMNS];
        fillTrailing(row, typer.width(), fingerprint, ParsedRecords.FILE_END_INDEX, count, null, null);
        return RowFactory.create(row);
    }

    private Row splitEnd() {
        close();
        Object[] row = new Object[typer.width() + ParsedRecords.TRAILING_COLUMNS];
        fillTrailing(row, typer.width(), null, ParsedRecords.SPLIT_END_INDEX, lines.newlines(), null, null);
        return RowFactory.create(row);
    }

    private void fillTrailing(Object[] row, int at, String fingerprint, long index, long line, String error,
                              String raw) {
        boolean record = index >= 0;
        row[at] = task.relativePath();
        row[at + 1] = fingerprint;
        row[at + 2] = record ? index + task.firstRecord() : index;
        row[at + 3] = record ? line + task.firstLine() : line;
        row[at + 4] = error;
        row[at + 5] = raw;
        row[at + 6] = task.kind() == FileTask.Kind.FINGERPRINT ? -1 : task.split();
    }

    private UncheckedIOException unreadable(IOException e) {
        return new UncheckedIOException("cannot read landing file " + task.uri() + ": " + e.getMessage(), e);
    }

    private static boolean startsWithGzipMagic(BufferedInputStream in) throws IOException {
        in.mark(2);
        int first = in.read();
        int second = in.read();
        in.reset();
        return first == 0x1f && second == 0x8b;
    }

    @Override
    public void close() {
        closeQuietly(stored);
    }

    /** Closing after the last read, or after a failure already on its way to the user: nothing to add. */
    private static void closeQuietly(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                // The content was read to its end, or the read's own failure is being reported.
            }
        }
    }
}
