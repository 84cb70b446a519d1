package io.sluice.ingest;

import java.io.Serializable;

/**
 * A landing file to read, or a part of one.
 *
 * @param uri where it is now (pending, or processed when a resumed batch already moved it)
 * @param relativePath its name below {@code pending/}, kept as lineage
 * @param kind the whole file, one split of it, or only its fingerprint
 * @param split number of the split, from 0; 0 for a whole file
 * @param start first byte of the split's range; 0 for a whole file
 * @param end byte just past the split's range; the file's length for a whole file
 * @param firstRecord records of the file before the split's, as counted ahead of the read: added to the split's
 *     record indexes; 0 for a whole file
 * @param firstLine lines of the file before the split's: added to its record lines; 0 for a whole file
 */
public record FileTask(String uri, String relativePath, Kind kind, int split, long start, long end,
                       long firstRecord, long firstLine) implements Serializable {

    /** What a task does with its file. */
    public enum Kind {
        /** Reads every record and fingerprints the file. */
        WHOLE,
        /** Reads the JSON lines that start in the byte range [start, end); see {@link SplitLines}. */
        SPLIT,
        /** Fingerprints a file that splits read. */
        FINGERPRINT
    }

    /** A whole file. */
    public FileTask(String uri, String relativePath) {
        this(uri, relativePath, Kind.WHOLE, 0, 0, Long.MAX_VALUE, 0, 0);
    }

    /** This split, its positions following {@code firstRecord} records and {@code firstLine} lines. */
    FileTask after(long records, long lines) {
        return new FileTask(uri, relativePath, kind, split, start, end, records, lines);
    }
}
