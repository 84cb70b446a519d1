package io.sluice.ingest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.ZipException;

/**
 * The text of a landing file as a stream of characters, decoded strictly (UTF-8 unless the layout names another
 * character set). Where the bytes stop being text of that set, or a gzip stream turns out corrupt or truncated, the
 * text ends and {@link #damage()} says why and where: whatever was read before stays usable, nothing after it is
 * guessed at.
 */
public final class LandingText extends Reader {
    /** Start of the reason of a record cut short by a corrupt or truncated gzip stream. */
    public static final String CORRUPT_GZIP = "corrupt gzip";
    /** Start of the reason of a record where the bytes stop being UTF-8. */
    public static final String NOT_UTF8 = "not UTF-8 text";
    /** Pattern of the start of the reason of a record where the bytes stop being text of the file's character set. */
    public static final String NOT_TEXT_PATTERN = "^not \\S+ text from byte offset";
    /** Most bytes after the damage kept as the quarantined record's raw text. */
    static final int MAX_DAMAGED_TAIL = 1 << 20;

    private final InputStream in;
    private final boolean gzip;
    private final long firstByte;
    private final CharsetDecoder decoder;
    private final ByteBuffer bytes = ByteBuffer.allocate(1 << 16).flip();
    private long bytesRead;
    private boolean endOfBytes;
    private boolean ended;
    private Damage damage;

    /**
     * Where the text of a file stopped being readable.
     *
     * @param reason the quarantine reason, naming what is wrong and at which byte
     * @param tail the bytes from the damage on, as ISO-8859-1, at most {@value #MAX_DAMAGED_TAIL}; empty for gzip
     */
    public record Damage(String reason, String tail) {
    }

    /**
     * @param in the file's content, already gunzipped when {@code gzip}
     * @param gzip whether {@code in} decompresses, so that its format errors read as a corrupt gzip file
     */
    public LandingText(InputStream in, boolean gzip) {
        this(in, gzip, 0);
    }

    /** @param firstByte offset in the file of the first byte of {@code in}, for a split of a file */
    LandingText(InputStream in, boolean gzip, long firstByte) {
        this(in, gzip, firstByte, StandardCharsets.UTF_8);
    }

    /** @param charset the character set of the text, e.g. ISO-8859-1 for a CSV export */
    LandingText(InputStream in, boolean gzip, long firstByte, Charset charset) {
        this.in = in;
        this.gzip = gzip;
        this.firstByte = firstByte;
        this.decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    public Optional<Damage> damage() {
        return Optional.ofNullable(damage);
    }

    @Override
    public int read(char[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (ended) {
            return -1;
        }
        CharBuffer out = CharBuffer.wrap(target, offset, length);
        while (out.position() == offset) {
            CoderResult result = decoder.decode(bytes, out, endOfBytes);
            if (result.isError()) {
                if (out.position() == offset) {
                    notUtf8();
                    return -1;
                }
                break;
            }
            if (result.isOverflow()) {
                break;
            }
            if (endOfBytes) {
                decoder.flush(out);
                if (out.position() == offset) {
                    ended = true;
                    return -1;
                }
                break;
            }
            if (!fill()) {
                return out.position() == offset ? -1 : out.position() - offset;
            }
        }
        return out.position() - offset;
    }

    /** Reads more bytes; false when the stream failed as a corrupt gzip, which ends the text. */
    private boolean fill() throws IOException {
        bytes.compact();
        try {
            int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
            if (n < 0) {
                endOfBytes = true;
            } else {
                bytes.position(bytes.position() + n);
                bytesRead += n;
            }
        } catch (ZipException | EOFException e) {
            if (!gzip) {
                throw e;
            }
            bytes.flip();
            if (damage == null) {
                damage = new Damage(CORRUPT_GZIP + " after " + bytesRead + " uncompressed bytes: " + e.getMessage()
                        + "; the records before the damage were kept, the rest of the file cannot be read", "");
            }
            ended = true;
            return false;
        }
        bytes.flip();
        return true;
    }

    private void notUtf8() throws IOException {
        long at = firstByte + bytesRead - bytes.remaining();
        StringBuilder tail = new StringBuilder();
        while (tail.length() < MAX_DAMAGED_TAIL) {
            if (bytes.hasRemaining()) {
                tail.append((char) (bytes.get() & 0xff));
            } else if (endOfBytes || !fill()) {
                break;
            }
        }
        boolean cut = tail.length() >= MAX_DAMAGED_TAIL;
        damage = new Damage("not " + decoder.charset().name() + " text from byte offset " + at
                + (gzip ? " of the uncompressed content" : "")
                + " on; quarantined from the start of its record to the end of the file"
                + (cut ? " (raw text cut at " + MAX_DAMAGED_TAIL + " bytes after the damage)" : ""), tail.toString());
        ended = true;
    }

    /** Closing the text leaves the file to its owner, who also drains it for the fingerprint. */
    @Override
    public void close() {
    }
}
