package io.sluice.ingest;

import io.sluice.config.CsvOptions;
import io.sluice.config.DatasetProfile;
import io.sluice.config.FieldType;
import io.sluice.config.Source;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Avro object container files, written here by Avro itself, read by {@link FileRows}. */
public class AvroLayoutTest {
    static final LandingLayout AVRO = new LandingLayout(Source.Format.AVRO, CsvOptions.DEFAULTS);

    /** The first version: millisecond timestamps, a decimal in {@code data}, a field later removed. */
    public static final Schema V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "Event", "namespace": "shop", "fields": [
              {"name": "event_id", "type": "string"},
              {"name": "timestamp", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "domain", "type": "string"},
              {"name": "event_type", "type": "string"},
              {"name": "data", "type": {"type": "record", "name": "Data", "fields": [
                {"name": "id", "type": "string"},
                {"name": "amount", "type": ["null", {"type": "bytes", "logicalType": "decimal", "precision": 9,
                                                      "scale": 2}], "default": null}]}},
              {"name": "legacy", "type": ["null", "string"], "default": null}]}""");
    /** The second: microsecond timestamps, an optional event type, a field added with a default, a date. */
    public static final Schema V2 = new Schema.Parser().parse("""
            {"type": "record", "name": "Event", "namespace": "shop", "fields": [
              {"name": "event_id", "type": "string"},
              {"name": "timestamp", "type": {"type": "long", "logicalType": "timestamp-micros"}},
              {"name": "domain", "type": "string"},
              {"name": "event_type", "type": ["null", "string"], "default": null},
              {"name": "data", "type": {"type": "map", "values": "string"}},
              {"name": "channel", "type": "string", "default": "web"},
              {"name": "day", "type": {"type": "int", "logicalType": "date"}}]}""");

    @TempDir
    Path dir;

    static DatasetProfile events() {
        LinkedHashMap<String, FieldType> fields = new LinkedHashMap<>();
        fields.put("event_id", FieldType.STRING);
        fields.put("timestamp", FieldType.TIMESTAMP);
        fields.put("domain", FieldType.STRING);
        fields.put("event_type", FieldType.STRING);
        fields.put("data", FieldType.JSON);
        return new DatasetProfile(List.of("event_id"), "timestamp", null, "timestamp", "UTC", fields,
                List.of("event_id", "timestamp", "domain", "event_type"), DatasetProfile.UnknownKeys.KEEP, null, null,
                null, null, null, null);
    }

    public static GenericRecord v1(String id, String timestamp, String amount, String legacy) {
        GenericRecord data = new GenericData.Record(V1.getField("data").schema());
        data.put("id", "a-" + id);
        data.put("amount", amount == null ? null
                : ByteBuffer.wrap(new BigDecimal(amount).unscaledValue().toByteArray()));
        GenericRecord record = new GenericData.Record(V1);
        record.put("event_id", id);
        record.put("timestamp", Instant.parse(timestamp).toEpochMilli());
        record.put("domain", "account");
        record.put("event_type", "opened");
        record.put("data", data);
        record.put("legacy", legacy);
        return record;
    }

    public static GenericRecord v2(String id, String timestamp, String eventType, String day) {
        GenericRecord record = new GenericData.Record(V2);
        record.put("event_id", id);
        record.put("timestamp", ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse(timestamp)));
        record.put("domain", "order");
        record.put("event_type", eventType);
        record.put("data", new java.util.TreeMap<>(java.util.Map.of("sku", "é-" + id)));
        record.put("channel", "app");
        record.put("day", (int) LocalDate.parse(day).toEpochDay());
        return record;
    }

    /** Writes {@code records} with Avro, a block every {@code perBlock} records. */
    public static void write(Path file, Schema schema, CodecFactory codec, int perBlock, List<GenericRecord> records)
            throws IOException {
        try (DataFileWriter<GenericRecord> writer = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(schema))) {
            writer.setCodec(codec);
            writer.create(schema, file.toFile());
            for (int i = 0; i < records.size(); i++) {
                writer.append(records.get(i));
                if ((i + 1) % perBlock == 0) {
                    writer.sync();
                }
            }
        }
    }

    public static List<GenericRecord> many(int count) {
        List<GenericRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(v1("e" + i, "2024-03-01T10:00:00Z", i + ".25", null));
        }
        return records;
    }

    static String manyRow(int i) {
        return i + "@" + (i + 1) + " e" + i + " | 2024-03-01T10:00:00Z | account | opened | {\"id\":\"a-e" + i
                + "\",\"amount\":" + i + ".25} | {\"legacy\":null}";
    }

    @Test
    void filesOfTwoSchemaVersionsReadAlikeWithLogicalTypesAsWhatTheyMean() throws IOException {
        Path first = dir.resolve("v1.avro");
        write(first, V1, CodecFactory.deflateCodec(6), 2, List.of(
                v1("e1", "2024-03-01T10:00:00.123Z", "12.50", "old"),
                v1("e2", "2024-03-01T11:00:00Z", null, null)));
        Path second = dir.resolve("v2.avro");
        write(second, V2, CodecFactory.nullCodec(), 1, List.of(
                v2("e3", "2024-03-02T09:30:00.123456Z", "paid", "2024-03-02"),
                v2("e4", "2024-03-02T10:00:00Z", null, "2024-03-02")));

        assertEquals(List.of(
                "0@1 e1 | 2024-03-01T10:00:00.123Z | account | opened | {\"id\":\"a-e1\",\"amount\":12.50}"
                        + " | {\"legacy\":\"old\"}",
                "1@2 e2 | 2024-03-01T11:00:00Z | account | opened | {\"id\":\"a-e2\",\"amount\":null}"
                        + " | {\"legacy\":null}",
                "end of v1.avro: 2 records"), CsvLayoutTest.read(first, AVRO, events()));
        assertEquals(List.of(
                "0@1 e3 | 2024-03-02T09:30:00.123456Z | order | paid | {\"sku\":\"é-e3\"}"
                        + " | {\"channel\":\"app\",\"day\":\"2024-03-02\"}",
                "1@2 BAD missing required field 'event_type' RAW {\"event_id\":\"e4\",\"timestamp\":"
                        + "\"2024-03-02T10:00:00Z\",\"domain\":\"order\",\"event_type\":null,\"data\":{\"sku\":\"é-e4\"},"
                        + "\"channel\":\"app\",\"day\":\"2024-03-02\"}",
                "end of v2.avro: 2 records"), CsvLayoutTest.read(second, AVRO, events()));
    }

    @Test
    void aTruncatedFileKeepsTheBlocksBeforeTheCutAndQuarantinesTheCut() throws IOException {
        Path whole = dir.resolve("whole.avro");
        write(whole, V1, CodecFactory.deflateCodec(6), 10, many(100));
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = dir.resolve("cut.avro");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));

        List<String> rows = CsvLayoutTest.read(cut, AVRO, events());

        int kept = rows.size() - 2;
        assertEquals(0, kept % 10, "whole blocks of 10 are kept: " + rows);
        assertEquals(true, kept > 0 && kept < 100, "records before the cut: " + kept);
        for (int i = 0; i < kept; i++) {
            assertEquals(manyRow(i), rows.get(i));
        }
        assertEquals(kept + "@" + (kept + 1) + " BAD corrupt Avro file after record " + kept + ": the file ends inside"
                + " a block (truncated); the records before the damage were kept, the rest of the file cannot be read"
                + " RAW ", rows.get(kept));
        assertEquals("end of cut.avro: " + (kept + 1) + " records", rows.get(kept + 1));
    }

    @Test
    void aDamagedSyncMarkerKeepsTheBlocksBeforeItAndQuarantinesTheRest() throws IOException {
        Path file = dir.resolve("damaged.avro");
        write(file, V1, CodecFactory.nullCodec(), 10, many(30));
        byte[] bytes = Files.readAllBytes(file);
        byte[] sync = Arrays.copyOfRange(bytes, bytes.length - 16, bytes.length);
        // The header's marker, then one after each block: damage the one that closes the second block.
        int third = nth(bytes, sync, 3);
        bytes[third] ^= 0x5a;
        Files.write(file, bytes);

        List<String> rows = CsvLayoutTest.read(file, AVRO, events());

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add(manyRow(i));
        }
        expected.add("10@11 BAD corrupt Avro file after record 10: Invalid sync!; the records before the damage were"
                + " kept, the rest of the file cannot be read RAW ");
        expected.add("end of damaged.avro: 11 records");
        assertEquals(expected, rows);
    }

    @Test
    void aFileThatIsNotAvroIsQuarantinedWhole() throws IOException {
        Path file = dir.resolve("events.json");
        Files.writeString(file, "{\"event_id\":\"x\"}\n");

        assertEquals(List.of("0@1 BAD corrupt Avro file after record 0: not an Avro object container file: it does not"
                        + " start with Obj\\u0001; the records before the damage were kept, the rest of the file cannot"
                        + " be read RAW ", "end of events.json: 1 records"),
                CsvLayoutTest.read(file, AVRO, events()));
    }

    @Test
    void anEmptyFileHoldsNoRecords() throws IOException {
        Path file = dir.resolve("empty.avro");
        Files.write(file, new byte[0]);

        assertEquals(List.of("end of empty.avro: 0 records"), CsvLayoutTest.read(file, AVRO, events()));
    }

    private static int nth(byte[] bytes, byte[] pattern, int n) {
        int found = 0;
        for (int i = 0; i + pattern.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + pattern.length, pattern, 0, pattern.length) && ++found == n) {
                return i;
            }
        }
        throw new AssertionError("marker " + n + " not found");
    }
}
