package io.sluice.ingest;

import io.sluice.config.CsvOptions;
import io.sluice.config.Source;

import java.io.Serializable;

import static java.util.Objects.requireNonNull;

/**
 * The layout of a dataset's landing files, as the executors need it to read them.
 *
 * @param format JSON, CSV or Avro
 * @param csv how CSV files are written; the defaults for other layouts
 */
public record LandingLayout(Source.Format format, CsvOptions csv) implements Serializable {
    private static final long serialVersionUID = 1L;
    /** JSON files, the default. */
    public static final LandingLayout JSON = new LandingLayout(Source.Format.JSON, CsvOptions.DEFAULTS);

    public LandingLayout {
        requireNonNull(format, "format is null");
        requireNonNull(csv, "csv is null");
    }

    /** The layout of {@code source}'s files. */
    public static LandingLayout of(Source source) {
        return new LandingLayout(source.fileFormat(), source.csvOptions());
    }

    /** Whether a large file may be read in byte-range splits: only JSON lines, where a record never spans a line. */
    boolean splittable() {
        return format == Source.Format.JSON;
    }
}
