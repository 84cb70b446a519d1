package io.sluice.cli;

import io.sluice.SparkTestSession;
import io.sluice.ingest.AvroLayoutTest;
import io.sluice.config.CsvOptions;
import io.sluice.config.DatasetProfile;
import io.sluice.config.Source;
import io.sluice.ingest.CsvLayoutTest;
import io.sluice.ingest.FileTask;
import io.sluice.ingest.LandingLayout;
import io.sluice.ingest.ParsedRecords;
import io.sluice.ingest.RecordTyper;
import io.sluice.lake.SessionConf;
import org.apache.avro.file.CodecFactory;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code run} of datasets that land as CSV and as Avro files, to the trusted table, on real files and Delta. */
class LandingLayoutsTest {
    private static final SparkSession SPARK = SparkTestSession.get();

    @TempDir
    Path dir;

    private Path config;

    @BeforeEach
    void setUp() throws IOException {
        config = dir.resolve("sluice.yaml");
        Files.writeString(config, String.join("\n",
                "datasets:",
                "  people:",
                "    recordKey: [id]",
                "    version: updated_at",
                "    eventTime: updated_at",
                "    eventTimeZone: America/Sao_Paulo",
                "    fields: {id: string, name: string, amount: double, qty: long, active: boolean,"
                        + " updated_at: timestamp, attrs: json}",
                "    required: [id, updated_at]",
                "    source:",
                "      kind: files",
                "      format: csv",
                "      csv:",
                "        delimiter: \";\"",
                "        encoding: ISO-8859-1",
                "  contacts:",
                "    recordKey: [id]",
                "    version: updated_at",
                "    eventTime: updated_at",
                "    fields: {id: string, name: string, amount: double, qty: long, active: boolean,"
                        + " updated_at: timestamp, attrs: json}",
                "    required: [id, updated_at]",
                "    source: {kind: files, format: csv}",
                "  events:",
                "    recordKey: [event_id]",
                "    version: timestamp",
                "    eventTime: timestamp",
                "    fields: {event_id: string, timestamp: timestamp, domain: string, event_type: string, data: json}",
                "    required: [event_id, timestamp, domain, event_type]",
                "    derived: {day: \"day(_event_date)\"}",
                "    partitions: [day]",
                "    source: {kind: files, format: avro}",
                "  visits:",
                "    recordKey: [site, visit]",
                "    version: at",
                "    eventTime: at",
                "    fields: {site: string, visit: long, at: timestamp}",
                "    required: [at]",
                "    source: {kind: files, format: csv}",
                "  sessions:",
                "    recordKey: [site, visit]",
                "    version: at",
                "    eventTime: at",
                "    fields: {site: string, visit: long, at: timestamp}",
                "    required: [at]",
                "    derived: {day: \"day(_event_date)\"}",
                "    partitions: [day]",
                "    source: {kind: files, format: csv}",
                "  clicks:",
                "    recordKey: [click_id]",
                "    version: at",
                "    eventTime: at",
                "    fields: {click_id: string, at: timestamp, page: string}",
                "    required: [at]",
                "    source: {kind: files}",
                ""));
    }

    private SluiceCli cli(String dataset) throws IOException {
        SluiceCli cli = new SluiceCli(dir.resolve("lake"), "--config", config.toString(), "--dataset", dataset);
        Files.createDirectories(cli.zone("landing/pending"));
        return cli;
    }

    /** Every row as sorted JSON, timestamps as UTC text whatever the test JVM's zone. */
    private static List<String> rows(Dataset<Row> table, String... columns) {
        return SessionConf.with(SPARK, Map.of("spark.sql.session.timeZone", "UTC"),
                () -> table.selectExpr(columns).toJSON().collectAsList().stream().sorted().toList());
    }

    private static List<String> quarantine(SluiceCli cli, String dataset) {
        return rows(SPARK.read().format("delta").load(cli.zone("quarantine/" + dataset).toString()),
                "source_file", "record_index", "record_line", "reason", "raw");
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).map(f -> dir.relativize(f).toString().replaceAll(
                    "date=[0-9-]+", "date=D")).sorted().toList();
        }
    }

    @Test
    void aLatin1ExportRunsToTrustedWithItsBadRowsQuarantinedByLine() throws IOException {
        SluiceCli cli = cli("people");
        Files.write(cli.zone("landing/pending/export.csv"), CsvLayoutTest.LATIN1_EXPORT.getBytes(
                StandardCharsets.ISO_8859_1));

        assertEquals(0, cli.run("run"), cli.err());

        assertEquals(List.of(
                "{\"id\":\"1\",\"name\":\"José Müller\",\"amount\":12.5,\"qty\":3,\"active\":true,"
                        + "\"updated_at\":\"2024-03-01 13:00:00\",\"attrs\":\"{\\\"tier\\\":\\\"gold\\\"}\"}",
                "{\"id\":\"2\",\"name\":\"Ana \\\"Nina\\\" Gonçalves\",\"amount\":7.0,\"active\":false,"
                        + "\"updated_at\":\"2024-03-01 11:00:00\"}",
                "{\"id\":\"3\",\"name\":\"Rua das Flores; 12\\nApto 4\",\"amount\":1.25,\"qty\":2,\"active\":true,"
                        + "\"updated_at\":\"2024-03-02 03:00:00\",\"attrs\":\"[1,2]\"}",
                "{\"id\":\"6\",\"name\":\"Ångström\",\"amount\":2.0,\"qty\":1,\"active\":false,"
                        + "\"updated_at\":\"2024-03-03 07:30:00\"}"),
                rows(SPARK.read().format("delta").load(cli.zone("trusted/people").toString()),
                        "id", "name", "amount", "qty", "active", "cast(updated_at as string) as updated_at", "attrs"));
        assertEquals(List.of(
                "{\"source_file\":\"export.csv\",\"record_index\":3,\"record_line\":6,\"reason\":\"field 'amount' is"
                        + " not a double: \\\"abc\\\"\",\"raw\":\"4;Zoë;abc;1;true;2024-03-02T00:00:00Z;\"}",
                "{\"source_file\":\"export.csv\",\"record_index\":4,\"record_line\":7,\"reason\":\"row has 2 values,"
                        + " the file has 7 columns [id, name, amount, qty, active, updated_at, attrs]\","
                        + "\"raw\":\"5;Short\"}",
                "{\"source_file\":\"export.csv\",\"record_index\":6,\"record_line\":9,\"reason\":\"field 'attrs' is not"
                        + " a json: {not json\",\"raw\":\"7;Jürgen;3;1;true;2024-03-03T09:00:00Z;{not json\"}"),
                quarantine(cli, "people"));
        assertEquals(List.of("processed/date=D/export.csv"), files(cli.zone("landing")).stream()
                .filter(f -> !f.startsWith("_")).toList());

        // The same bytes again under another name: a re-delivery, moved without adding records.
        Files.write(cli.zone("landing/pending/export again.csv"), CsvLayoutTest.LATIN1_EXPORT.getBytes(
                StandardCharsets.ISO_8859_1));
        assertEquals(0, cli.run("run"), cli.err());
        assertTrue(cli.out().contains("pending/export again.csv was already ingested by batch"), cli.out());
        assertEquals(4, SPARK.read().format("delta").load(cli.zone("trusted/people").toString()).count());
    }

    /**
     * A record none of whose record key fields is set is quarantined even where the profile does not list them as
     * required: it cannot be deduplicated, and null as one key value would keep one of all such records. A composite
     * key with one part set is a key.
     */
    @Test
    void recordsWithoutAnyPartOfTheirKeyAreQuarantinedWhetherTheKeyIsRequiredOrNot() throws IOException {
        SluiceCli visits = cli("visits");
        Files.writeString(visits.zone("landing/pending/visits.csv"), "site,visit,at\n"
                + "a,1,2024-03-01T10:00:00Z\n"
                + "a,,2024-03-01T11:00:00Z\n"
                + ",,2024-03-01T12:00:00Z\n"
                + ",,2024-03-01T13:00:00Z\n");

        assertEquals(0, visits.run("run"), visits.err());

        assertEquals(List.of("{\"site\":\"a\",\"at\":\"2024-03-01 11:00:00\"}",
                        "{\"site\":\"a\",\"visit\":1,\"at\":\"2024-03-01 10:00:00\"}"),
                rows(SPARK.read().format("delta").load(visits.zone("trusted/visits").toString()),
                        "site", "visit", "cast(at as string) as at"));
        String reason = "missing record key: fields 'site', 'visit' are all absent, null or empty";
        assertEquals(List.of(
                "{\"source_file\":\"visits.csv\",\"record_index\":2,\"record_line\":4,\"reason\":\"" + reason
                        + "\",\"raw\":\",,2024-03-01T12:00:00Z\"}",
                "{\"source_file\":\"visits.csv\",\"record_index\":3,\"record_line\":5,\"reason\":\"" + reason
                        + "\",\"raw\":\",,2024-03-01T13:00:00Z\"}"),
                quarantine(visits, "visits"));

        SluiceCli clicks = cli("clicks");
        Files.writeString(clicks.zone("landing/pending/clicks.json"), String.join("\n",
                "{\"click_id\":\"c1\",\"at\":\"2024-03-01T10:00:00Z\",\"page\":\"/\"}",
                "{\"at\":\"2024-03-01T10:01:00Z\",\"page\":\"/a\"}",
                "{\"click_id\":null,\"at\":\"2024-03-01T10:02:00Z\",\"page\":\"/b\"}",
                "{\"click_id\":\"\",\"at\":\"2024-03-01T10:03:00Z\",\"page\":\"/c\"}", ""));

        assertEquals(0, clicks.run("run"), clicks.err());

        assertEquals(List.of("{\"click_id\":\"c1\",\"page\":\"/\"}"),
                rows(SPARK.read().format("delta").load(clicks.zone("trusted/clicks").toString()), "click_id", "page"));
        assertEquals(List.of("missing record key: field 'click_id' is absent, null or empty"),
                SPARK.read().format("delta").load(clicks.zone("quarantine/clicks").toString())
                        .select("reason").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        assertEquals(3, SPARK.read().format("delta").load(clicks.zone("quarantine/clicks").toString()).count());
    }

    /**
     * A composite key with one part null is a key: its newer version replaces it, moving partition, and its re-send
     * and older version are dropped, as for any key. The batch's replaced key has a null, so the write takes the
     * MERGE, whose join is null-safe, not the one-commit write, whose condition lists keys as literals.
     */
    @Test
    void aCompositeKeyWithOneNullPartIsReplacedByItsNewerVersionInAnotherPartition() throws IOException {
        SluiceCli sessions = cli("sessions");
        Files.writeString(sessions.zone("landing/pending/first.csv"), "site,visit,at\n"
                + "a,1,2024-03-01T10:00:00Z\n"
                + "a,,2024-03-01T11:00:00Z\n"
                + ",7,2024-03-01T11:30:00Z\n"
                + "b,,2024-03-01T12:00:00Z\n");
        assertEquals(0, sessions.run("run"), sessions.err());

        Files.writeString(sessions.zone("landing/pending/second.csv"), "site,visit,at\n"
                + "a,,2024-03-02T09:00:00Z\n"
                + ",7,2024-03-03T08:00:00Z\n"
                + "b,,2024-02-28T09:00:00Z\n"
                + "a,1,2024-03-01T10:00:00Z\n"
                + "c,,2024-03-02T10:00:00Z\n");
        assertEquals(0, sessions.run("run"), sessions.err());

        String trusted = sessions.zone("trusted/sessions").toString();
        assertEquals(List.of(
                        "{\"site\":\"a\",\"at\":\"2024-03-02 09:00:00\",\"day\":2}",
                        "{\"site\":\"a\",\"visit\":1,\"at\":\"2024-03-01 10:00:00\",\"day\":1}",
                        "{\"site\":\"b\",\"at\":\"2024-03-01 12:00:00\",\"day\":1}",
                        "{\"site\":\"c\",\"at\":\"2024-03-02 10:00:00\",\"day\":2}",
                        "{\"visit\":7,\"at\":\"2024-03-03 08:00:00\",\"day\":3}"),
                rows(SPARK.read().format("delta").load(trusted),
                        "site", "visit", "cast(at as string) as at", "day"));
        assertEquals(List.of("MERGE"), io.delta.tables.DeltaTable.forPath(SPARK, trusted).history()
                .where(org.apache.spark.sql.functions.col("userMetadata").startsWith("sluice: newer versions"))
                .select("operation").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    }

    @Test
    void aGzippedUtf8FileWithAByteOrderMarkRunsToTrusted() throws IOException {
        SluiceCli cli = cli("contacts");
        String text = "\uFEFFid,name,amount,qty,active,updated_at,attrs\r\n"
                + "7,\"Łukasz, \"\"the\"\" Çelik\",1e3,10,false,2024-03-04T05:06:07.123Z,\"{\"\"a\"\":1}\"\r\n"
                + "8,Zoë,,,,2024-03-04T05:06:07Z,\r\n";
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
            gzip.write(text.getBytes(StandardCharsets.UTF_8));
        }
        Files.write(cli.zone("landing/pending/contacts.csv.gz"), zipped.toByteArray());

        assertEquals(0, cli.run("run"), cli.err());

        assertEquals(List.of(
                "{\"id\":\"7\",\"name\":\"Łukasz, \\\"the\\\" Çelik\",\"amount\":1000.0,\"qty\":10,\"active\":false,"
                        + "\"updated_at\":\"2024-03-04 05:06:07.123\",\"attrs\":\"{\\\"a\\\":1}\"}",
                "{\"id\":\"8\",\"name\":\"Zoë\",\"updated_at\":\"2024-03-04 05:06:07\"}"),
                rows(SPARK.read().format("delta").load(cli.zone("trusted/contacts").toString()),
                        "id", "name", "amount", "qty", "active", "cast(updated_at as string) as updated_at", "attrs"));
        assertFalse(Files.exists(cli.zone("quarantine/contacts")));
    }

    @Test
    void avroFilesOfTwoSchemaVersionsAndATruncatedOneRunToTrusted() throws IOException {
        SluiceCli cli = cli("events");
        Path pending = cli.zone("landing/pending");
        AvroLayoutTest.write(pending.resolve("v1.avro"), AvroLayoutTest.V1, CodecFactory.deflateCodec(6), 2, List.of(
                AvroLayoutTest.v1("e1", "2024-03-01T10:00:00.123Z", "12.50", "old"),
                AvroLayoutTest.v1("e2", "2024-03-01T11:00:00Z", null, null)));
        AvroLayoutTest.write(pending.resolve("v2.avro"), AvroLayoutTest.V2, CodecFactory.snappyCodec(), 1, List.of(
                AvroLayoutTest.v2("e3", "2024-03-02T09:30:00.123456Z", "paid", "2024-03-02"),
                AvroLayoutTest.v2("e1", "2024-03-02T10:00:00Z", "closed", "2024-03-02"),
                AvroLayoutTest.v2("e4", "2024-03-02T10:00:00Z", null, "2024-03-02")));
        Path whole = dir.resolve("whole.avro");
        AvroLayoutTest.write(whole, AvroLayoutTest.V1, CodecFactory.deflateCodec(6), 10, AvroLayoutTest.many(30));
        byte[] bytes = Files.readAllBytes(whole);
        Files.write(pending.resolve("cut.avro"), Arrays.copyOf(bytes, bytes.length - 40));

        assertEquals(0, cli.run("run"), cli.err());

        List<String> expected = new java.util.ArrayList<>(List.of(
                "{\"event_id\":\"e1\",\"ts\":\"2024-03-02 10:00:00\",\"domain\":\"order\",\"event_type\":\"closed\","
                        + "\"data\":\"{\\\"sku\\\":\\\"é-e1\\\"}\",\"_extra\":\"{\\\"channel\\\":\\\"app\\\","
                        + "\\\"day\\\":\\\"2024-03-02\\\"}\",\"day\":2}",
                "{\"event_id\":\"e2\",\"ts\":\"2024-03-01 11:00:00\",\"domain\":\"account\",\"event_type\":\"opened\","
                        + "\"data\":\"{\\\"id\\\":\\\"a-e2\\\",\\\"amount\\\":null}\","
                        + "\"_extra\":\"{\\\"legacy\\\":null}\",\"day\":1}",
                "{\"event_id\":\"e3\",\"ts\":\"2024-03-02 09:30:00.123456\",\"domain\":\"order\",\"event_type\":\"paid\","
                        + "\"data\":\"{\\\"sku\\\":\\\"é-e3\\\"}\",\"_extra\":\"{\\\"channel\\\":\\\"app\\\","
                        + "\\\"day\\\":\\\"2024-03-02\\\"}\",\"day\":2}"));
        // e1, e2 and e3 of the truncated file are older than the versions above, which win.
        for (int i : java.util.stream.IntStream.range(0, 20).filter(i -> i < 1 || i > 3).toArray()) {
            expected.add("{\"event_id\":\"e" + i + "\",\"ts\":\"2024-03-01 10:00:00\",\"domain\":\"account\","
                    + "\"event_type\":\"opened\",\"data\":\"{\\\"id\\\":\\\"a-e" + i + "\\\",\\\"amount\\\":" + i
                    + ".25}\",\"_extra\":\"{\\\"legacy\\\":null}\",\"day\":1}");
        }
        assertEquals(expected.stream().sorted().toList(),
                rows(SPARK.read().format("delta").load(cli.zone("trusted/events").toString()),
                        "event_id", "cast(timestamp as string) as ts", "domain", "event_type", "data", "_extra", "day"));
        assertEquals(List.of(
                "{\"source_file\":\"cut.avro\",\"record_index\":20,\"record_line\":21,\"reason\":\"corrupt Avro file"
                        + " after record 20: the file ends inside a block (truncated); the records before the damage"
                        + " were kept, the rest of the file cannot be read\",\"raw\":\"\"}",
                "{\"source_file\":\"v2.avro\",\"record_index\":2,\"record_line\":3,\"reason\":\"missing required field"
                        + " 'event_type'\",\"raw\":\"{\\\"event_id\\\":\\\"e4\\\",\\\"timestamp\\\":"
                        + "\\\"2024-03-02T10:00:00Z\\\",\\\"domain\\\":\\\"order\\\",\\\"event_type\\\":null,"
                        + "\\\"data\\\":{\\\"sku\\\":\\\"é-e4\\\"},\\\"channel\\\":\\\"app\\\",\\\"day\\\":\\\"2024-03-02\\\"}\"}"),
                quarantine(cli, "events"));
        assertTrue(cli.out().contains("pending/cut.avro: corrupt Avro file after record 20"), cli.out());
        assertEquals(List.of("processed/date=D/cut.avro", "processed/date=D/v1.avro", "processed/date=D/v2.avro"),
                files(cli.zone("landing")).stream().filter(f -> !f.startsWith("_")).toList());
    }

    @Test
    void csvFilesAreReadWholeWhateverTheSplitSize() throws IOException {
        // One JSON object per line: JSON lines to the split probe, so only the layout keeps this file whole.
        Path file = dir.resolve("objects.csv");
        Files.writeString(file, "{\"n\":1}\n".repeat(200));
        List<FileTask> tasks = List.of(new FileTask(file.toUri().toString(), "objects.csv"));
        List<Long> sizes = List.of(Files.size(file));
        RecordTyper typer = new RecordTyper(CsvLayoutTest.profile(DatasetProfile.UnknownKeys.KEEP), Optional.empty());
        LandingLayout csv = new LandingLayout(Source.Format.CSV, new CsvOptions(false, List.of("attrs"), ";", null,
                null, null));

        ParsedRecords.Read read = ParsedRecords.read(SPARK, tasks, sizes, typer, csv, 100);

        assertFalse(read.split());
        assertEquals(List.of("{\"_record_index\":-1,\"_record_line\":200,\"_split\":0}",
                        "{\"_record_index\":0,\"_record_line\":1,\"_split\":0}",
                        "{\"_record_index\":199,\"_record_line\":200,\"_split\":0}"),
                rows(read.rows().where("_record_index in (-1, 0, 199)"), "_record_index", "_record_line", "_split"));
        assertTrue(ParsedRecords.read(SPARK, tasks, sizes, typer, LandingLayout.JSON, 100).split(),
                "the same file as JSON lines is split");
    }

    @Test
    void csvOptionsOnAnAvroLayoutStopTheRunBeforeSparkWithExitCode2() throws IOException {
        Files.writeString(config, Files.readString(config).replace("source: {kind: files, format: avro}",
                "source: {kind: files, format: avro, csv: {delimiter: \";\"}}"));
        SluiceCli cli = cli("events");

        assertEquals(2, cli.run("run"));

        assertTrue(cli.err().contains("datasets.events.source.csv: CSV options apply to a source of kind: files with"
                + " format: csv; this one reads avro files. Set datasets.events.source.format: csv or remove"
                + " datasets.events.source.csv"), cli.err());
        assertFalse(Files.exists(cli.zone("stage/events")));
    }
}
