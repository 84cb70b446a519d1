package io.sluice.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.storage.HadoopStorage;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads landing files on the executors: each file whole, gunzipped when it starts with the gzip magic
 * (whatever its name), fingerprinted, split into records and typed. Emits one row per record, good or
 * bad, with its position; see {@link ParsedRecords#schema} for the columns.
 */
final class FileReader implements FlatMapFunction<Iterator<List<FileTask>>, Row> {
    private static final long serialVersionUID = 1L;

    private final RecordTyper typer;
    private final HadoopConf conf;

    FileReader(RecordTyper typer, HadoopConf conf) {
        this.typer = typer;
        this.conf = conf;
    }

    @Override
    public Iterator<Row> call(Iterator<List<FileTask>> buckets) {
        Iterator<FileTask> tasks = buckets.hasNext() ? buckets.next().iterator() : List.<FileTask>of().iterator();
        // One file's rows in memory at a time.
        return new Iterator<>() {
            private Iterator<Row> current = List.<Row>of().iterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && tasks.hasNext()) {
                    List<Row> rows = new ArrayList<>();
                    read(tasks.next(), rows);
                    current = rows.iterator();
                }
                return current.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    private void read(FileTask task, List<Row> rows) {
        byte[] bytes = readBytes(task.uri());
        String fingerprint = sha256(bytes);
        String text;
        try {
            text = decode(isGzip(bytes) ? gunzip(bytes) : bytes);
        } catch (CharacterCodingException e) {
            rows.add(bad(task, fingerprint, 0, 1, new String(bytes, StandardCharsets.ISO_8859_1),
                    "not UTF-8 text"));
            return;
        } catch (IOException e) {
            rows.add(bad(task, fingerprint, 0, 0, null, "corrupt gzip: " + e.getMessage()));
            return;
        }
        JsonRecordReader.read(text, new RecordSink() {
            @Override
            public void record(long index, long line, JsonNode value) {
                TypedRecord typed = typer.type(value);
                if (typed.rejectionReason().isPresent()) {
                    rows.add(bad(task, fingerprint, index, line, value.toString(), typed.rejection()));
                } else {
                    rows.add(good(task, fingerprint, index, line, typed.values()));
                }
            }

            @Override
            public void broken(long index, long line, String raw, String reason) {
                rows.add(bad(task, fingerprint, index, line, raw, reason));
            }
        });
        if (text.isBlank()) {
            rows.add(marker(task, fingerprint));
        }
    }

    private Row good(FileTask task, String fingerprint, long index, long line, Object[] values) {
        Object[] row = new Object[values.length + ParsedRecords.TRAILING_COLUMNS];
        System.arraycopy(values, 0, row, 0, values.length);
        fillTrailing(row, values.length, task, fingerprint, index, line, null, null);
        return RowFactory.create(row);
    }

    private Row bad(FileTask task, String fingerprint, long index, long line, String raw, String reason) {
        Object[] row = new Object[typer.width() + ParsedRecords.TRAILING_COLUMNS];
        fillTrailing(row, typer.width(), task, fingerprint, index, line, reason, raw);
        return RowFactory.create(row);
    }

    /** An empty file still yields one row, so its fingerprint reaches the ledger; it is no record. */
    private Row marker(FileTask task, String fingerprint) {
        Object[] row = new Object[typer.width() + ParsedRecords.TRAILING_COLUMNS];
        fillTrailing(row, typer.width(), task, fingerprint, -1, 0, null, null);
        return RowFactory.create(row);
    }

    private static void fillTrailing(Object[] row, int at, FileTask task, String fingerprint, long index,
                                     long line, String error, String raw) {
        row[at] = task.relativePath();
        row[at + 1] = fingerprint;
        row[at + 2] = index;
        row[at + 3] = line;
        row[at + 4] = error;
        row[at + 5] = raw;
    }

    private byte[] readBytes(String uri) {
        Path path = HadoopStorage.path(uri);
        try (InputStream in = HadoopStorage.fileSystem(path, conf.get()).open(path)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read landing file " + uri + ": " + e.getMessage(), e);
        }
    }

    private static boolean isGzip(byte[] bytes) {
        return bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b;
    }

    private static byte[] gunzip(byte[] bytes) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes), 1 << 16)) {
            return in.readAllBytes();
        }
    }

    private static String decode(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes)).toString();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
