package io.sluice.ingest;

import org.apache.hadoop.fs.FSDataInputStream;

import java.io.IOException;
import java.io.InputStream;

/**
 * The bytes of the lines that start in a byte range of a file, as Hadoop's {@code LineRecordReader} cuts a split:
 * a range that does not start at 0 begins after the first newline at or after {@code start - 1}; it ends after the
 * first newline at or after {@code end - 1}. Every line belongs to exactly one range, and a line longer than a
 * range belongs to the range it starts in.
 */
final class SplitLines extends InputStream {
    private final InputStream in;
    private final long end;
    private long position;
    private int previous = '\n';
    private long newlines;

    /** @param in the file, positioned by this constructor */
    SplitLines(FSDataInputStream in, long start, long end) throws IOException {
        this.end = end;
        if (start > 0) {
            in.seek(start - 1);
            position = start - 1;
            int b;
            do {
                b = in.read();
                position++;
            } while (b >= 0 && b != '\n');
        }
        this.in = new java.io.BufferedInputStream(in, 1 << 16);
    }

    /** Newlines returned so far: at the end, the number of lines of the range. */
    long newlines() {
        return newlines;
    }

    /** Offset in the file of the first byte this stream returns. */
    long firstByte() {
        return position;
    }

    @Override
    public int read() throws IOException {
        if (position >= end && previous == '\n') {
            return -1;
        }
        int b = in.read();
        if (b >= 0) {
            position++;
            previous = b;
            if (b == '\n') {
                newlines++;
            }
        } else {
            previous = '\n';
        }
        return b;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (position >= end && previous == '\n') {
            return -1;
        }
        if (position < end) {
            // Up to the end of the range in one read; the line that crosses it goes byte by byte below.
            int n = in.read(target, offset, (int) Math.min(length, end - position));
            if (n > 0) {
                position += n;
                previous = target[offset + n - 1];
                for (int i = offset; i < offset + n; i++) {
                    if (target[i] == '\n') {
                        newlines++;
                    }
                }
            }
            return n;
        }
        int n = 0;
        while (n < length) {
            int b = read();
            if (b < 0) {
                break;
            }
            target[offset + n++] = (byte) b;
            if (b == '\n') {
                break;
            }
        }
        return n == 0 ? -1 : n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
