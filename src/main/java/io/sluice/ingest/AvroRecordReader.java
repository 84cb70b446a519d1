package io.sluice.ingest;

import org.apache.avro.file.DataFileConstants;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The records of one Avro object container file (what Kafka Connect's S3 sink writes), read as a stream with
 * Avro's {@link DataFileStream}, each with the file's own writer schema: files of different schema versions read
 * alike, a field a file lacks is simply absent. Records become JSON objects ({@link AvroValues}) typed like any JSON
 * record; {@code line} is the record's number in the file, from 1 (Avro has no lines).
 *
 * <p>A file whose bytes are damaged (a block that does not decode, a sync marker out of place, a file cut short)
 * keeps the records before the damage; the damage becomes one broken record naming the record it stopped at and
 * why, and the rest of the file is not read. A failure to read the stored bytes is not damage: it fails the task.
 */
final class AvroRecordReader implements LandingRecords {
    /** Start of the reason of the damaged rest of an Avro file. */
    static final String CORRUPT_AVRO = "corrupt Avro file";
    private static final byte[] MAGIC = DataFileConstants.MAGIC;

    private final WatchedInput in;
    private DataFileStream<GenericRecord> records;
    private byte[] sync;
    private long index;
    private boolean finished;

    /** @param in the file's bytes as stored; read to their end, so a digest over them covers the whole file */
    AvroRecordReader(InputStream in) {
        this.in = new WatchedInput(in);
    }

    @Override
    public JsonRecordReader.Found next() {
        if (finished) {
            return null;
        }
        try {
            if (records == null) {
                byte[] header = header();
                records = new DataFileStream<>(new SequenceInputStream(new ByteArrayInputStream(header), in),
                        new GenericDatumReader<>());
            }
            if (!records.hasNext()) {
                return end();
            }
            GenericRecord record = records.next();
            long at = index++;
            return new JsonRecordReader.Found(at, at + 1, AvroValues.object(record), null, null);
        } catch (IOException | RuntimeException e) {
            if (in.failure != null) {
                throw new UncheckedIOException(in.failure);
            }
            if (in.count == 0) {
                // An empty file holds no records, as an empty JSON file does; it is not damage.
                finished = true;
                return null;
            }
            return damage("after record " + index + ": " + reasonOf(e));
        }
    }

    /**
     * Reads the header (magic, metadata, sync marker) as it goes by, keeping its bytes for {@link DataFileStream}
     * and its sync marker: a file that ends well ends with it, which tells a file cut at its end from a whole one.
     */
    private byte[] header() throws IOException {
        in.recording = new ByteArrayOutputStream();
        BinaryDecoder decoder = DecoderFactory.get().directBinaryDecoder(in, null);
        byte[] magic = new byte[MAGIC.length];
        decoder.readFixed(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException("not an Avro object container file: it does not start with Obj\\u0001");
        }
        for (long entries = decoder.readMapStart(); entries != 0; entries = decoder.mapNext()) {
            for (long i = 0; i < entries; i++) {
                decoder.skipString();
                decoder.skipBytes();
            }
        }
        sync = new byte[DataFileConstants.SYNC_SIZE];
        decoder.readFixed(sync);
        byte[] header = in.recording.toByteArray();
        in.recording = null;
        return header;
    }

    /** After the last record: nothing more, or the damage of a file that does not end with its sync marker. */
    private JsonRecordReader.Found end() throws IOException {
        in.transferTo(OutputStream.nullOutputStream());
        if (in.failure != null) {
            throw in.failure;
        }
        if (!Arrays.equals(in.last, sync)) {
            return damage("after record " + index + ": the file ends inside a block (truncated)");
        }
        finished = true;
        return null;
    }

    private JsonRecordReader.Found damage(String what) {
        finished = true;
        return new JsonRecordReader.Found(index, index + 1, null, "", CORRUPT_AVRO + " " + what
                + "; the records before the damage were kept, the rest of the file cannot be read");
    }

    private static String reasonOf(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        String type = cause.getClass().getSimpleName();
        return message == null || message.isBlank() ? type : cause instanceof java.io.EOFException
                ? "unexpected end of file (" + message + ")" : message;
    }

    /**
     * The stored bytes, watched: how many, how they ended (the last {@value DataFileConstants#SYNC_SIZE} bytes), the
     * header while it is read, and whether reading them failed (then the file is unreadable, not damaged).
     */
    private static final class WatchedInput extends FilterInputStream {
        private final byte[] last = new byte[DataFileConstants.SYNC_SIZE];
        private ByteArrayOutputStream recording;
        private IOException failure;
        private long count;

        WatchedInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            int n;
            try {
                n = super.read(target, offset, length);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
            if (n > 0) {
                count += n;
                if (recording != null) {
                    recording.write(target, offset, n);
                }
                if (n >= last.length) {
                    System.arraycopy(target, offset + n - last.length, last, 0, last.length);
                } else {
                    System.arraycopy(last, n, last, 0, last.length - n);
                    System.arraycopy(target, offset, last, last.length - n, n);
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // Every byte goes through read, so the end of the file is seen.
            byte[] buffer = new byte[(int) Math.min(n, 8192)];
            int read = read(buffer, 0, buffer.length);
            return Math.max(read, 0);
        }

        /** The file stays open for its owner, who drains it for the fingerprint. */
        @Override
        public void close() {
        }
    }
}
