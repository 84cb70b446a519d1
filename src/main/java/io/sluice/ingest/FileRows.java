package io.sluice.ingest;

import io.sluice.storage.HadoopStorage;
import org.apache.hadoop.conf.Configuration;
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
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

/**
 * The rows of one landing file, read as a stream: the bytes are fingerprinted (SHA-256 of the file as stored)
 * while they are read, gunzipped when they start with the gzip magic (whatever the file's name) or decompressed
 * by the codec its extension names, decoded as UTF-8 and split into records one at a time. After the last
 * record comes one file-end row carrying the fingerprint; see {@link ParsedRecords#schema}.
 */
final class FileRows implements Closeable {
    private final FileTask task;
    private final RecordTyper typer;
    private final InputStream stored;
    private final DigestInputStream digested;
    private final JsonRecordReader reader;
    private long records;
    private long lastLine = 1;
    private boolean ended;

    FileRows(FileTask task, RecordTyper typer, Configuration conf) {
        this.task = task;
        this.typer = typer;
        Path path = HadoopStorage.path(task.uri());
        try {
            this.stored = HadoopStorage.fileSystem(path, conf).open(path);
            this.digested = new DigestInputStream(stored, MessageDigest.getInstance("SHA-256"));
            BufferedInputStream buffered = new BufferedInputStream(digested, 1 << 16);
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
            this.reader = new JsonRecordReader(new LandingText(content, gzip));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        } catch (IOException e) {
            close();
            throw unreadable(e);
        }
    }

    /** The next row of the file, or null after its file-end row. */
    Row next() {
        if (ended) {
            return null;
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
            return fileEnd();
        }
        records++;
        lastLine = found.line();
        if (found.broken()) {
            return bad(found.index(), found.line(), found.raw(), found.reason());
        }
        TypedRecord typed = typer.type(found.value());
        if (typed.rejectionReason().isPresent()) {
            return bad(found.index(), found.line(), found.value().toString(), typed.rejection());
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

    /** Reads what the parser left (a gzip trailer, bytes after damage) so the fingerprint covers the whole file. */
    private Row fileEnd() {
        try {
            digested.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw unreadable(e);
        }
        String fingerprint = HexFormat.of().formatHex(digested.getMessageDigest().digest());
        close();
        Object[] row = new Object[typer.width() + ParsedRecords.TRAILING_COLUMNS];
        fillTrailing(row, typer.width(), fingerprint, ParsedRecords.FILE_END_INDEX, records, null, null);
        return RowFactory.create(row);
    }

    private void fillTrailing(Object[] row, int at, String fingerprint, long index, long line, String error,
                              String raw) {
        row[at] = task.relativePath();
        row[at + 1] = fingerprint;
        row[at + 2] = index;
        row[at + 3] = line;
        row[at + 4] = error;
        row[at + 5] = raw;
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
        if (stored != null) {
            try {
                stored.close();
            } catch (IOException e) {
                // Only a read's failure matters; the content was fully read or the task already failed.
            }
        }
    }
}
