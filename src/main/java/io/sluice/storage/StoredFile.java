package io.sluice.storage;

/**
 * A file found under a listed directory.
 *
 * @param uri the file's full URI, safe for names with spaces, {@code :}, {@code %}, {@code #}
 * @param relativePath path below the listed directory, with {@code /} separators, unescaped
 * @param size bytes
 * @param modifiedMillis modification time, epoch milliseconds
 */
public record StoredFile(String uri, String relativePath, long size, long modifiedMillis) {
}
