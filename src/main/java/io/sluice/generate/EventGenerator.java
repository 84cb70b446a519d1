package io.sluice.generate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.util.Objects.requireNonNull;

/**
 * Writes synthetic files of the {@code events} contract: events with exact duplicates, later updates, older
 * versions that arrive late, and bad records, streamed to disk and the same bytes for the same settings.
 */
public final class EventGenerator {
    private final GeneratorSettings settings;

    public EventGenerator(GeneratorSettings settings) {
        this.settings = requireNonNull(settings, "settings is null");
    }

    /** Writes the files into {@code directory}, created if absent, and says what it wrote. */
    public GenerationSummary generate(Path directory) {
        requireNonNull(directory, "directory is null");
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the output directory " + directory, e);
        }
        return new GenerationRun(settings, directory).execute();
    }

    /** The name of file {@code index} (zero-based): the seed keeps batches of different seeds apart. */
    public static String fileName(GeneratorSettings settings, int index) {
        return String.format("events-s%d-%05d%s", settings.seed(), index + 1,
                settings.layout().forFile(index).extension());
    }
}
