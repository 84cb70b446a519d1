package io.sluice.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonRecordReaderTest {

    private static List<String> read(String text) {
        List<String> out = new ArrayList<>();
        JsonRecordReader.read(text, new RecordSink() {
            @Override
            public void record(long index, long line, JsonNode value) {
                out.add(index + "@" + line + " " + value);
            }

            @Override
            public void broken(long index, long line, String raw, String reason) {
                out.add(index + "@" + line + " BROKEN " + raw + " | " + reason.substring(0, reason.indexOf(':')));
            }
        });
        return out;
    }

    @Test
    void readsJsonLines() {
        assertEquals(List.of("0@1 {\"a\":1}", "1@2 {\"a\":2}", "2@4 {\"a\":3}"),
                read("{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n"));
    }

    @Test
    void readsPrettyPrintedArray() {
        assertEquals(List.of("0@2 {\"a\":1}", "1@5 {\"a\":2}"),
                read("[\n  {\n    \"a\": 1\n  },\n  {\"a\": 2}\n]\n"));
    }

    @Test
    void readsObjectsConcatenatedWithoutSeparator() {
        assertEquals(List.of("0@1 {\"a\":1}", "1@1 {\"a\":2}", "2@1 {\"b\":{\"c\":[1,2]}}"),
                read("{\"a\":1}{\"a\":2}{\"b\":{\"c\":[1,2]}}"));
    }

    @Test
    void emptyAndBlankTextHaveNoRecords() {
        assertEquals(List.of(), read(""));
        assertEquals(List.of(), read(" \n\t\n"));
        assertEquals(List.of(), read("[]"));
    }

    @Test
    void brokenLineIsQuarantinedAndReadingResumesAtTheNextLine() {
        assertEquals(List.of(
                        "0@1 {\"a\":1}",
                        "1@2 BROKEN {\"a\": 2, \"b | malformed JSON",
                        "2@3 {\"a\":3}",
                        "3@4 BROKEN {\"a\":4 | malformed JSON",
                        "4@5 {\"a\":5}"),
                read("{\"a\":1}\n{\"a\": 2, \"b\n{\"a\":3}\n{\"a\":4\n{\"a\":5}\n"));
    }

    @Test
    void brokenElementOfAnArrayKeepsTheOtherElements() {
        assertEquals(List.of(
                        "0@2 {\"a\":1}",
                        "1@3 BROKEN {\"a\": oops}, | malformed JSON",
                        "2@4 {\"a\":3}"),
                read("[\n  {\"a\": 1},\n  {\"a\": oops},\n  {\"a\": 3}\n]"));
    }

    @Test
    void scalarsAreRecordsForTheTyperToReject() {
        assertEquals(List.of("0@1 42", "1@2 \"text\"", "2@3 {\"a\":1}"), read("42\n\"text\"\n{\"a\":1}"));
    }

    @Test
    void byteOrderMarkIsIgnored() {
        assertEquals(List.of("0@1 {\"a\":1}"), read("\uFEFF{\"a\":1}"));
    }

    @Test
    void textThatIsNotJsonIsOneBrokenRecordPerLine() {
        assertEquals(List.of("0@1 BROKEN hello world | malformed JSON", "1@2 {\"a\":1}"),
                read("hello world\n{\"a\":1}"));
    }
}
