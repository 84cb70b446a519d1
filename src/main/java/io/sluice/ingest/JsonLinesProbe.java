package io.sluice.ingest;

import com.fasterxml.jackson.core.JsonParser;
import io.sluice.storage.HadoopStorage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Whether a landing file can be read in splits cut at line boundaries: it is not compressed, every non-blank
 * complete line of its first {@value #SAMPLE} bytes starts an object ('{'), and most of them are exactly one JSON
 * value (a broken line among them is a bad record, not another layout). A pretty-printed array or object, or
 * values continued across lines, fail this and are read whole by one task (streamed all the same). Reading resumes
 * after a broken record at the next line that starts with '{' in both cases, so the records of a file that passes
 * are the same whichever way it is read.
 */
final class JsonLinesProbe {
    static final int SAMPLE = 1 << 16;

    private JsonLinesProbe() {
    }

    static boolean splittable(String uri, Configuration conf) {
        Path path = HadoopStorage.path(uri);
        if (new CompressionCodecFactory(conf).getCodec(path) != null) {
            return false;
        }
        byte[] sample;
        try (InputStream in = HadoopStorage.fileSystem(path, conf).open(path)) {
            sample = in.readNBytes(SAMPLE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read landing file " + uri + ": " + e.getMessage(), e);
        }
        if (sample.length >= 2 && (sample[0] & 0xff) == 0x1f && (sample[1] & 0xff) == 0x8b) {
            return false;
        }
        int lastNewline = sample.length - 1;
        while (lastNewline >= 0 && sample[lastNewline] != '\n') {
            lastNewline--;
        }
        if (lastNewline < 0) {
            return false;
        }
        String text = new String(sample, 0, lastNewline, StandardCharsets.UTF_8);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        int lines = 0;
        int values = 0;
        for (String line : text.split("\n", -1)) {
            if (line.isBlank()) {
                continue;
            }
            if (!line.stripLeading().startsWith("{")) {
                return false;
            }
            lines++;
            values += oneValue(line) ? 1 : 0;
        }
        return lines > 0 && values * 2 > lines;
    }

    private static boolean oneValue(String line) {
        try (JsonParser parser = JsonRecordReader.MAPPER.getFactory().createParser(line)) {
            parser.nextToken();
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }
}
