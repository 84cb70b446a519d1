package io.sluice.ingest;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;

/**
 * The part of a file's text that reading may still need: from the start of the record being read to as far
 * as the parser has looked ahead. Positions are character offsets from the start of the file; text before
 * {@link #release released} positions is dropped, so memory follows the size of a record, not of the file.
 */
final class TextWindow {
    private static final int CHUNK = 1 << 16;

    private final Reader source;
    private final char[] chunk = new char[CHUNK];
    private final StringBuilder text = new StringBuilder();
    /** File offset of {@code text.charAt(0)}. */
    private long base;
    /** Line number (from 1) of {@link #base}. */
    private long baseLine = 1;
    /** Offset up to which the text may be dropped. */
    private long released;
    private boolean exhausted;

    TextWindow(Reader source) {
        this.source = source;
    }

    /** The character at {@code offset}, or -1 past the end of the file. */
    int charAt(long offset) {
        while (offset >= end() && !exhausted) {
            pull();
        }
        return offset < end() ? text.charAt((int) (offset - base)) : -1;
    }

    /** Whether {@code offset} is at or past the end of the file. */
    boolean atEnd(long offset) {
        return charAt(offset) < 0;
    }

    /** Offset just past what has been read so far; the file's length once it is exhausted. */
    long end() {
        return base + text.length();
    }

    /** Reads the rest of the file up to its end and returns its length: only for the end of a file. */
    long length() {
        while (!exhausted) {
            pull();
        }
        return end();
    }

    /** The first offset at or after {@code from} holding {@code c}, or -1. */
    long indexOf(char c, long from) {
        for (long i = Math.max(from, base); ; i++) {
            int at = charAt(i);
            if (at < 0) {
                return -1;
            }
            if (at == c) {
                return i;
            }
        }
    }

    String text(long from, long to) {
        return text.substring((int) (Math.max(from, base) - base), (int) (Math.min(to, end()) - base));
    }

    /** The line number (from 1) of {@code offset}, which must not be released. */
    long lineOf(long offset) {
        long line = baseLine;
        int to = (int) (Math.min(offset, end()) - base);
        for (int i = 0; i < to; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** Text before {@code offset} will not be asked for again. */
    void release(long offset) {
        released = Math.max(released, offset);
        int drop = (int) (Math.min(released, end()) - base);
        if (drop >= CHUNK && drop >= text.length() / 2) {
            for (int i = 0; i < drop; i++) {
                if (text.charAt(i) == '\n') {
                    baseLine++;
                }
            }
            text.delete(0, drop);
            base += drop;
        }
    }

    /** A reader of the file's text from {@code offset} on, for a parser; what it reads stays in the window. */
    Reader from(long offset) {
        return new Reader() {
            private long position = offset;

            @Override
            public int read(char[] target, int at, int length) {
                if (length == 0) {
                    return 0;
                }
                if (charAt(position) < 0) {
                    return -1;
                }
                int n = (int) Math.min(length, end() - position);
                int start = (int) (position - base);
                text.getChars(start, start + n, target, at);
                position += n;
                return n;
            }

            @Override
            public void close() {
            }
        };
    }

    private void pull() {
        try {
            int n = source.read(chunk, 0, CHUNK);
            if (n < 0) {
                exhausted = true;
            } else {
                text.append(chunk, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
