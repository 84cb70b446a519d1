package io.sluice.ingest;

import com.fasterxml.jackson.databind.JsonNode;

/** Receives the records {@link JsonRecordReader} finds in a file, in file order. */
public interface RecordSink {
    /** A well-formed JSON value at the top level of the file or of a top-level array. */
    void record(long index, long line, JsonNode value);

    /** Text that is not well-formed JSON, kept whole with the parser's reason. */
    void broken(long index, long line, String raw, String reason);
}
