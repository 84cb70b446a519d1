package io.sluice.ingest;

import io.sluice.config.CsvOptions;
import io.sluice.config.DatasetProfile;
import io.sluice.config.FieldType;
import io.sluice.config.Source;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** CSV landing files read by {@link FileRows} from real files: encodings, quoting, positions and quarantine. */
public class CsvLayoutTest {
    static final Charset LATIN1 = StandardCharsets.ISO_8859_1;

    @TempDir
    Path dir;

    public static DatasetProfile profile(DatasetProfile.UnknownKeys unknownKeys) {
        LinkedHashMap<String, FieldType> fields = new LinkedHashMap<>();
        fields.put("id", FieldType.STRING);
        fields.put("name", FieldType.STRING);
        fields.put("amount", FieldType.DOUBLE);
        fields.put("qty", FieldType.LONG);
        fields.put("active", FieldType.BOOLEAN);
        fields.put("updated_at", FieldType.TIMESTAMP);
        fields.put("attrs", FieldType.JSON);
        return new DatasetProfile(List.of("id"), "updated_at", null, "updated_at", "America/Sao_Paulo", fields,
                List.of("id", "updated_at"), unknownKeys, null, null, null, null, null, null);
    }

    /** Every row of {@code file}: values, then index@line, the error and the raw text of a bad record. */
    static List<String> read(Path file, LandingLayout layout, DatasetProfile profile) {
        RecordTyper typer = new RecordTyper(profile, Optional.empty());
        List<String> rows = new ArrayList<>();
        try (FileRows reader = new FileRows(new FileTask(file.toUri().toString(), file.getFileName().toString()),
                typer, layout, new Configuration())) {
            for (Row row = reader.next(); row != null; row = reader.next()) {
                int at = typer.width();
                if (row.getLong(at + 2) == ParsedRecords.FILE_END_INDEX) {
                    rows.add("end of " + row.getString(at) + ": " + row.getLong(at + 3) + " records");
                    continue;
                }
                List<String> values = new ArrayList<>();
                for (int i = 0; i < at; i++) {
                    Object value = row.get(i);
                    values.add(value instanceof Timestamp t ? t.toInstant().toString() : String.valueOf(value));
                }
                String position = row.getLong(at + 2) + "@" + row.getLong(at + 3);
                rows.add(row.isNullAt(at + 4) ? position + " " + String.join(" | ", values)
                        : position + " BAD " + row.getString(at + 4) + " RAW " + row.getString(at + 5));
            }
        }
        return rows;
    }

    static LandingLayout csv(Boolean header, List<String> columns, String delimiter, String encoding) {
        return new LandingLayout(Source.Format.CSV, new CsvOptions(header, columns, delimiter, null, null, encoding));
    }

    /** A semicolon-separated ISO-8859-1 export with CRLF line ends and a header, as spreadsheets write it. */
    public static final String LATIN1_EXPORT = String.join("\r\n",
            "id;name;amount;qty;active;updated_at;attrs",
            "1;José Müller;12.5;3;true;2024-03-01 10:00:00;{\"tier\":\"gold\"}",
            "2;\"Ana \"\"Nina\"\" Gonçalves\";7;;false;2024-03-01T11:00:00Z;",
            "3;\"Rua das Flores; 12",
            "Apto 4\";1.25;2;TRUE;2024-03-02;[1,2]",
            "4;Zoë;abc;1;true;2024-03-02T00:00:00Z;",
            "5;Short",
            "6;Ångström;2;1;false;2024-03-03T08:30:00+01:00;",
            "7;Jürgen;3;1;true;2024-03-03T09:00:00Z;{not json",
            "");

    @Test
    void readsALatin1ExportWithQuotesLineBreaksAndBadRowsInPlace() throws IOException {
        Path file = dir.resolve("export.csv");
        Files.write(file, LATIN1_EXPORT.getBytes(LATIN1));

        List<String> rows = read(file, csv(null, null, ";", "ISO-8859-1"), profile(DatasetProfile.UnknownKeys.KEEP));

        assertEquals(List.of(
                "0@2 1 | José Müller | 12.5 | 3 | true | 2024-03-01T13:00:00Z | {\"tier\":\"gold\"} | null",
                "1@3 2 | Ana \"Nina\" Gonçalves | 7.0 | null | false | 2024-03-01T11:00:00Z | null | null",
                "2@4 3 | Rua das Flores; 12\nApto 4 | 1.25 | 2 | true | 2024-03-02T03:00:00Z | [1,2] | null",
                "3@6 BAD field 'amount' is not a double: \"abc\" RAW 4;Zoë;abc;1;true;2024-03-02T00:00:00Z;",
                "4@7 BAD row has 2 values, the file has 7 columns [id, name, amount, qty, active, updated_at, attrs]"
                        + " RAW 5;Short",
                "5@8 6 | Ångström | 2.0 | 1 | false | 2024-03-03T07:30:00Z | null | null",
                "6@9 BAD field 'attrs' is not a json: {not json RAW 7;Jürgen;3;1;true;2024-03-03T09:00:00Z;{not json",
                "end of export.csv: 7 records"), rows);
    }

    @Test
    void readsUtf8WithAByteOrderMarkGzippedOrNotAndKeepsUnknownColumns() throws IOException {
        String text = "\uFEFFid,name,amount,qty,active,updated_at,attrs,source\n"
                + "7,\"Łukasz, \"\"the\"\" 🎉\",1e3,10,false,2024-03-04T05:06:07.123Z,\"{\"\"a\"\":[1,{\"\"b\"\":null}]}\",crm\n"
                + "8,Zoë,,,,2024-03-04T05:06:07Z,,";
        Path plain = dir.resolve("bom.csv");
        Files.write(plain, text.getBytes(StandardCharsets.UTF_8));
        Path zipped = dir.resolve("bom.csv.gz");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(text.getBytes(StandardCharsets.UTF_8));
        }
        Files.write(zipped, bytes.toByteArray());
        List<String> expected = List.of(
                "0@2 7 | Łukasz, \"the\" 🎉 | 1000.0 | 10 | false | 2024-03-04T05:06:07.123Z | {\"a\":[1,{\"b\":null}]}"
                        + " | {\"source\":\"crm\"}",
                "1@3 8 | Zoë | null | null | null | 2024-03-04T05:06:07Z | null | null");

        LandingLayout layout = csv(null, null, null, null);
        DatasetProfile keep = profile(DatasetProfile.UnknownKeys.KEEP);
        assertEquals(concat(expected, "end of bom.csv: 2 records"), read(plain, layout, keep));
        assertEquals(concat(expected, "end of bom.csv.gz: 2 records"), read(zipped, layout, keep));
        assertEquals(List.of(
                "0@2 7 | Łukasz, \"the\" 🎉 | 1000.0 | 10 | false | 2024-03-04T05:06:07.123Z | {\"a\":[1,{\"b\":null}]}",
                "1@3 8 | Zoë | null | null | null | 2024-03-04T05:06:07Z | null",
                "end of bom.csv: 2 records"), read(plain, layout, profile(DatasetProfile.UnknownKeys.DROP)));
    }

    @Test
    void declaredColumnsNameAFileWithoutHeaderAndOtherDelimitersQuotesAndEscapesApplyAndHashIsData() throws IOException {
        Path file = dir.resolve("tabs.tsv");
        Files.writeString(file, "1\t'it\\'s\tfine'\t2024-01-01T00:00:00Z\n\n2\tplain\t2024-01-02T00:00:00Z\n"
                + "#3\tnot a comment\t2024-01-03T00:00:00Z\n");
        LandingLayout layout = new LandingLayout(Source.Format.CSV, new CsvOptions(false,
                List.of("id", "name", "updated_at"), "\t", "'", "\\", null));

        assertEquals(List.of(
                "0@1 1 | it's\tfine | null | null | null | 2024-01-01T00:00:00Z | null | null",
                "1@3 2 | plain | null | null | null | 2024-01-02T00:00:00Z | null | null",
                "2@4 #3 | not a comment | null | null | null | 2024-01-03T00:00:00Z | null | null",
                "end of tabs.tsv: 3 records"), read(file, layout, profile(DatasetProfile.UnknownKeys.KEEP)));
    }

    @Test
    void aTruncatedGzipKeepsTheRowsBeforeTheCutAndQuarantinesTheRowItCut() throws IOException {
        StringBuilder text = new StringBuilder("id,name,updated_at\n");
        for (int i = 0; i < 4000; i++) {
            text.append(i).append(",name ").append(Integer.toHexString(i * 7919)).append(",2024-01-01T00:00:00Z\n");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(text.toString().getBytes(StandardCharsets.UTF_8));
        }
        Path file = dir.resolve("cut.csv.gz");
        Files.write(file, Arrays.copyOf(bytes.toByteArray(), bytes.size() / 2));

        List<String> rows = read(file, csv(null, null, null, null), profile(DatasetProfile.UnknownKeys.KEEP));

        int kept = rows.size() - 2;
        assertEquals(true, kept > 500 && kept < 4000, "rows before the cut: " + kept);
        for (int i = 0; i < kept; i++) {
            assertEquals(i + "@" + (i + 2) + " " + i + " | name " + Integer.toHexString(i * 7919)
                    + " | null | null | null | 2024-01-01T00:00:00Z | null | null", rows.get(i));
        }
        String damage = rows.get(kept);
        assertEquals(true, damage.matches(kept + "@" + (kept + 2) + " BAD corrupt gzip after [0-9]+ uncompressed"
                + " bytes: Unexpected end of ZLIB input stream; the records before the damage were kept, the rest of"
                + " the file cannot be read RAW " + kept + ",.*"), damage);
        assertEquals("end of cut.csv.gz: " + (kept + 1) + " records", rows.get(kept + 1));
    }

    @Test
    void bytesThatAreNotTextOfTheCharsetEndTheFileAsDamage() throws IOException {
        Path file = dir.resolve("cp1252.csv");
        byte[] good = "id,name,updated_at\n1,Caf\u00e9,2024-01-01T00:00:00Z\n2,bad ".getBytes(Charset.forName("windows-1252"));
        byte[] bad = {(byte) 0x81, 'x', ',', '2', '\n'};
        byte[] all = Arrays.copyOf(good, good.length + bad.length);
        System.arraycopy(bad, 0, all, good.length, bad.length);
        Files.write(file, all);

        assertEquals(List.of(
                "0@2 1 | Café | null | null | null | 2024-01-01T00:00:00Z | null | null",
                "1@3 BAD not windows-1252 text from byte offset " + good.length + " on; quarantined from the start of"
                        + " its record to the end of the file RAW 2,bad \u0081x,2\n",
                "end of cp1252.csv: 2 records"),
                read(file, csv(null, null, null, "windows-1252"), profile(DatasetProfile.UnknownKeys.KEEP)));
    }

    private static List<String> concat(List<String> first, String last) {
        List<String> all = new ArrayList<>(first);
        all.add(last);
        return all;
    }
}
