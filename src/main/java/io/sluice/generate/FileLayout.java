package io.sluice.generate;

import java.util.List;

/** How generated records are laid out in a file: the raw layouts Sluice reads from landing. */
public enum FileLayout {
    /** One JSON object per line. */
    NDJSON(".json"),
    /** One top-level JSON array, one element per line. */
    ARRAY(".json"),
    /** JSON objects back to back, with no separator at all. */
    CONCAT(".json"),
    /** JSON lines, gzip-compressed. */
    GZIP(".json.gz"),
    /** Each file takes the next of the four concrete layouts in turn. */
    MIXED(".json");

    private static final List<FileLayout> CONCRETE = List.of(NDJSON, ARRAY, CONCAT, GZIP);

    private final String extension;

    FileLayout(String extension) {
        this.extension = extension;
    }

    /** The concrete layout of the file with this zero-based index. */
    public FileLayout forFile(int index) {
        return this == MIXED ? CONCRETE.get(index % CONCRETE.size()) : this;
    }

    /** The file name extension, with its dot. */
    public String extension() {
        return extension;
    }

    /**
     * Whether a reader can resume after a record that is not JSON: true where records are separated by
     * new lines and nothing encloses them.
     */
    public boolean toleratesBrokenRecords() {
        return this == NDJSON || this == GZIP;
    }
}
