package io.sluice.ingest;

import io.sluice.storage.HadoopStorage;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.Function;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Counts, ahead of the read, the lines of a split and those holding anything but JSON whitespace — in a JSON-lines
 * file, its records — so each split can write its records with the file's positions at once. A guess for any other
 * text (two values on a line, a value over several lines): the read's own counts are compared with it afterwards,
 * and the positions corrected where it was wrong ({@link ParsedRecords#positioned}).
 */
final class SplitCounter implements Function<FileTask, long[]> {
    private static final long serialVersionUID = 1L;

    private final HadoopConf conf;

    SplitCounter(HadoopConf conf) {
        this.conf = conf;
    }

    /** @return the split's number, its lines (newlines), and its lines that are not blank */
    @Override
    public long[] call(FileTask task) {
        Path path = HadoopStorage.path(task.uri());
        try (FSDataInputStream in = HadoopStorage.fileSystem(path, conf.get()).open(path)) {
            SplitLines lines = new SplitLines(in, task.start(), task.end());
            byte[] buffer = new byte[1 << 16];
            long filled = 0;
            boolean content = false;
            for (int n = lines.read(buffer, 0, buffer.length); n >= 0; n = lines.read(buffer, 0, buffer.length)) {
                for (int i = 0; i < n; i++) {
                    byte b = buffer[i];
                    if (b == '\n') {
                        if (content) {
                            filled++;
                        }
                        content = false;
                    } else if (b != ' ' && b != '\t' && b != '\r') {
                        content = true;
                    }
                }
            }
            return new long[] {task.split(), lines.newlines(), content ? filled + 1 : filled};
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read landing file " + task.uri() + ": " + e.getMessage(), e);
        }
    }
}
