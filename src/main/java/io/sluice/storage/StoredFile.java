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
    /**
     * Whether a file or folder name is bookkeeping rather than data: names starting with {@code _} or {@code .},
     * as Spark, Hadoop and Delta treat them ({@code _delta_log}, {@code _SUCCESS}, {@code .crc} files).
     */
    public static boolean isHidden(String name) {
        return name.startsWith("_") || name.startsWith(".");
    }

    /** Whether any segment of this file's relative path is {@link #isHidden hidden}. */
    public boolean hidden() {
        for (String part : relativePath.split("/")) {
            if (isHidden(part)) {
                return true;
            }
        }
        return false;
    }
}
