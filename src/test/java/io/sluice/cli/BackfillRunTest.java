package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.delta.tables.DeltaTable;
import io.sluice.SparkTestSession;
import io.sluice.generate.OrderGenerator;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.ZoneLock;
import io.sluice.storage.HadoopStorage;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code backfill-history run} on a generated history tree with every anomaly real history holds, into real
 * Delta tables: retries, permanent failures, a kill and the resume, {@code --force}, {@code --parallel}, and
 * the pipeline writing the same documents into the same table.
 */
class BackfillRunTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> FOLDERS = List.of("0A_CheckoutOrder", "0A_FulfillmentOrder", "1B_CheckoutOrder",
            "1B_FulfillmentOrder");
    private static final String ABSENT = "2C_CheckoutOrder";
    private static final String ODD_NAME = "pedido #1 100% ação:é.json";
    private static final String ODD_NAME_2 = "a b%20c#d.json";
    /** Fast retries: the defaults wait seconds. */
    private static final List<String> QUICK = List.of("--retry-delay", "PT0.01S", "--max-retry-delay", "PT0.05S");

    @TempDir
    Path dir;

    private Path source;
    private Path keyFile;

    /** A kill: not an exception a run may catch. */
    private static final class Killed extends Error {
        Killed(String point) {
            super("killed at " + point);
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        keyFile = dir.resolve("pii.key");
        Files.writeString(keyFile, "test-pseudonymisation-key\n");
        source = dir.resolve("history");
    }

    private SluiceCli cli(String lake, List<String> expected) throws IOException {
        String folders = expected.stream().map(f -> "\"" + f + "\"").collect(Collectors.joining(", "));
        String config = Files.readString(Path.of("conf/local.yaml"))
                .replace("personalDataKeyEnv: SLUICE_PII_KEY", "personalDataKeyEnv: SLUICE_TEST_KEY_UNSET\n"
                        + "      personalDataKeyFile: " + keyFile)
                .replace("expectedFolders: [\"{HH}_CheckoutOrder\", \"{HH}_FulfillmentOrder\"]",
                        "expectedFolders: [" + folders + "]");
        Path file = dir.resolve(lake + ".yaml");
        Files.writeString(file, config);
        return new SluiceCli(dir.resolve(lake), "--config", file.toString(), "--dataset", "orders");
    }

    private String[] backfill(String... args) {
        List<String> all = new ArrayList<>(List.of("backfill-history", "run", "--source", source.toString()));
        all.addAll(QUICK);
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    /**
     * Generated orders in the HISTORY layout, their id folders spread over the four {@link #FOLDERS} so the run
     * stays small. Which shard an order lives in is no part of its documents, so the oracle holds.
     */
    private OrderGenerator.Summary generate(long orders, long seed) throws IOException {
        Path raw = dir.resolve("raw-" + seed);
        OrderGenerator.Summary summary = new OrderGenerator(orders, seed, LocalDate.parse("2019-08-20"), 5)
                .generate(raw, OrderGenerator.Layout.HISTORY, 1);
        Map<String, Integer> perKind = new TreeMap<>();
        List<Path> ids;
        try (Stream<Path> walk = Files.walk(raw, 2)) {
            ids = walk.filter(p -> raw.relativize(p).getNameCount() == 2).sorted().toList();
        }
        for (Path id : ids) {
            String kind = id.getParent().getFileName().toString().substring(3);
            int n = perKind.merge(kind, 1, Integer::sum);
            Path target = source.resolve((n % 2 == 0 ? "0A_" : "1B_") + kind).resolve(id.getFileName());
            Files.createDirectories(target.getParent());
            Files.move(id, target);
        }
        for (String folder : FOLDERS) {
            assertTrue(Files.isDirectory(source.resolve(folder)), folder + " was not generated; change the seed");
        }
        return summary;
    }

    /** Every anomaly of real history; none of it may change the table. */
    private void addAnomalies() throws IOException {
        Path id = firstId("0A_CheckoutOrder");
        Path document = firstDocument(id);
        write(id.resolve("id/old/" + document.getFileName()), shifted(document));
        write(id.resolve("notes.json"), shifted(document));
        write(source.resolve("0A_CheckoutOrder/loose.json"), shifted(document));
        write(source.resolve("0A_CheckoutOrder/_SUCCESS"), "");
        write(id.resolve("id/.DS_Store"), "\0\0binary");
        Path odd = firstDocument(firstId("0A_FulfillmentOrder"));
        Files.move(odd, odd.resolveSibling(ODD_NAME));
        Path odd2 = firstDocument(firstId("1B_CheckoutOrder"));
        Files.move(odd2, odd2.resolveSibling(ODD_NAME_2));
        write(firstId("1B_CheckoutOrder").resolve("id/empty.json"), "");
        write(firstId("1B_FulfillmentOrder").resolve("id/cut.json"), "{\"Id\": \"CUT-01\", \"CreationDate\": \"2019-08-2");
        write(source.resolve("README.txt"), "history export, 2018");
        write(source.resolve("tmp/" + document.getFileName()), shifted(document));
    }

    private Path firstId(String folder) throws IOException {
        try (Stream<Path> ids = Files.list(source.resolve(folder))) {
            return ids.filter(Files::isDirectory).sorted().findFirst().orElseThrow();
        }
    }

    private static Path firstDocument(Path id) throws IOException {
        try (Stream<Path> files = Files.list(id.resolve("id"))) {
            return files.filter(f -> !f.getFileName().toString().equals("broken.json")).sorted().findFirst()
                    .orElseThrow();
        }
    }

    /** The document with a LastChange in 2030: a version that must never reach the table. */
    private static String shifted(Path document) throws IOException {
        ObjectNode doc = (ObjectNode) JSON.readTree(Files.readString(document));
        doc.put("LastChange", "2030-01-01T00:00:00.0000000Z");
        return doc.toString();
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static Dataset<Row> table(SluiceCli sluice) {
        return SPARK.read().format("delta").load(sluice.zone("trusted/orders").toString());
    }

    private static Dataset<Row> quarantine(SluiceCli sluice) {
        return SPARK.read().format("delta").load(sluice.zone("quarantine/orders").toString());
    }

    private static long tableVersion(SluiceCli sluice, String table) {
        return DeltaTable.forPath(SPARK, sluice.zone(table).toString()).history(1).select("version").first().getLong(0);
    }

    private static JsonNode state(SluiceCli sluice, String folder) throws IOException {
        return JSON.readTree(sluice.zone("trusted/_sluice/orders/backfill/" + folder + ".json").toFile());
    }

    /** The table is the oracle: every good version once, per business date, nothing from strays. */
    private static void assertOracle(OrderGenerator.Summary summary, SluiceCli sluice) {
        Dataset<Row> orders = table(sluice);
        assertEquals(summary.versions(), orders.count());
        assertEquals(summary.versions(), orders.select("Id", "LastChange").distinct().count());
        Map<LocalDate, Long> byDate = new TreeMap<>();
        for (Row row : orders.groupBy("year", "month", "day").count().collectAsList()) {
            byDate.put(LocalDate.of(row.getInt(0), row.getInt(1), row.getInt(2)), row.getLong(3));
        }
        assertEquals(summary.versionsByDate(), byDate);
    }

    private static List<String> sortedRows(SluiceCli sluice) {
        return table(sluice).select("Id", "LastChange", "_payload_hash", "_source_file", "year", "month", "day")
                .orderBy("Id", "LastChange").collectAsList().stream().map(Row::toString).toList();
    }

    @Test
    void retriesTransientFailuresReportsPermanentOnesAndResumesAfterAKill() throws IOException {
        OrderGenerator.Summary summary = generate(30, 11);
        addAnomalies();
        List<String> expected = new ArrayList<>(FOLDERS);
        expected.add(ABSENT);
        SluiceCli sluice = cli("lake", expected);
        Set<String> attempted = ConcurrentHashMap.newKeySet();
        Checkpoints permanent = point -> {
            if (point.equals("backfill.read:1B_CheckoutOrder")) {
                throw new IllegalStateException("injected: documents of an unknown model");
            }
        };
        Checkpoints firstRun = point -> {
            permanent.reached(point);
            if (point.equals("backfill.read:0A_FulfillmentOrder") && attempted.add(point)) {
                throw new UncheckedIOException(new IOException("injected: connection reset by peer"));
            }
            if (point.equals("backfill.written:1B_FulfillmentOrder")) {
                throw new Killed(point);
            }
        };

        // 1. Transient failure retried, permanent one reported, then killed after the last folder's write.
        assertThrows(Killed.class, () -> sluice.run(firstRun, backfill()));
        assertEquals("done", state(sluice, "0A_CheckoutOrder").get("status").asText());
        JsonNode retried = state(sluice, "0A_FulfillmentOrder");
        assertEquals("done", retried.get("status").asText());
        assertEquals(2, retried.get("attempts").asInt());
        assertTrue(retried.get("lastError").asText().contains("injected: connection reset by peer"), retried.toString());
        JsonNode failed = state(sluice, "1B_CheckoutOrder");
        assertEquals("failed", failed.get("status").asText());
        assertEquals(1, failed.get("attempts").asInt(), "a permanent failure is not retried");
        assertEquals("IllegalStateException: injected: documents of an unknown model", failed.get("lastError").asText());
        assertEquals("running", state(sluice, "1B_FulfillmentOrder").get("status").asText());
        assertEquals("missing", state(sluice, ABSENT).get("status").asText());
        long killedRows = table(sluice).count();

        // 2. Resume: done folders skipped, the killed one run again without new rows, the failing one reported.
        Path report = dir.resolve("report.json");
        assertEquals(1, sluice.run(permanent, backfill("--report", report.toString())));
        String out = sluice.out();
        assertTrue(out.contains("0A_CheckoutOrder: done at 2019-08-23T09:10:00Z, skipped"), out);
        assertTrue(out.contains("1B_FulfillmentOrder: left running by an earlier run that stopped"), out);
        assertTrue(out.contains("folders 4/4"), out);
        assertTrue(out.contains("elapsed 0:00:"), out);
        assertEquals(killedRows, table(sluice).count());
        JsonNode resumed = state(sluice, "1B_FulfillmentOrder");
        assertEquals("done", resumed.get("status").asText());
        assertEquals(2, resumed.get("attempts").asInt());
        assertEquals(0, resumed.get("versionsWritten").asLong());
        assertTrue(resumed.get("alreadyPresent").asLong() > 0, resumed.toString());
        assertEquals("2 of 5 folder(s) did not complete: 2C_CheckoutOrder is missing; 1B_CheckoutOrder failed after 2"
                + " attempt(s): IllegalStateException: injected: documents of an unknown model. Fix the cause and run"
                + " again: done folders are skipped, their states are in "
                + new HadoopStorage(new Configuration()).resolve(sluice.zone("trusted").toString(),
                "_sluice/orders/backfill"), sluice.err().lines().findFirst().orElse("").substring(7));
        JsonNode json = JSON.readTree(report.toFile());
        assertEquals("failed", json.get("status").asText());
        assertEquals("backfill-history run", json.get("command").asText());
        Map<String, JsonNode> steps = new TreeMap<>();
        json.get("steps").forEach(step -> steps.put(step.get("step").asText(), step));
        assertEquals(Set.of("backfill", "backfill:2C_CheckoutOrder", "backfill:0A_CheckoutOrder",
                "backfill:0A_FulfillmentOrder", "backfill:1B_CheckoutOrder", "backfill:1B_FulfillmentOrder"),
                steps.keySet());
        assertEquals("status: done earlier (2019-08-23T09:10:00Z), skipped",
                steps.get("backfill:0A_CheckoutOrder").get("notes").get(0).asText());
        assertEquals("status: failed after 2 attempt(s) in all",
                steps.get("backfill:1B_CheckoutOrder").get("notes").get(0).asText());
        JsonNode totals = steps.get("backfill").get("details");
        assertEquals(List.of(5, 1, 2, 1, 1), List.of(totals.get("folders").asInt(), totals.get("done").asInt(),
                totals.get("skipped").asInt(), totals.get("failed").asInt(), totals.get("missing").asInt()));
        assertTrue(steps.get("backfill").get("notes").toString().contains("skipped README.txt at the top of"),
                steps.get("backfill").toString());

        // 3. The cause fixed: the failed folder runs, the table is the oracle; the absent folder stays missing.
        assertEquals(1, sluice.run(backfill()));
        assertTrue(sluice.err().contains("1 of 5 folder(s) did not complete: 2C_CheckoutOrder is missing"),
                sluice.err());
        assertEquals("done", state(sluice, "1B_CheckoutOrder").get("status").asText());
        assertOracle(summary, sluice);
        assertEquals(0, table(sluice).filter(col("year").equalTo(2030)).count(), "a stray document was read");
        JsonNode strays = state(sluice, "0A_CheckoutOrder");
        assertEquals(3, strays.get("strays").asLong());
        assertEquals(2, strays.get("hidden").asLong());
        Set<String> files = new HashSet<>(table(sluice).select("_source_file").as(
                org.apache.spark.sql.Encoders.STRING()).collectAsList());
        String oddId = firstId("0A_FulfillmentOrder").getFileName().toString();
        assertTrue(files.contains("0A_FulfillmentOrder/" + oddId + "/id/" + ODD_NAME), files.toString());
        String oddId2 = firstId("1B_CheckoutOrder").getFileName().toString();
        assertTrue(files.contains("1B_CheckoutOrder/" + oddId2 + "/id/" + ODD_NAME_2), files.toString());
        assertEquals(List.of("backfill:"), table(sluice).selectExpr("substring(_batch_id, 1, 9)").distinct()
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        Dataset<Row> rejected = quarantine(sluice);
        assertEquals(summary.bad() + 2, rejected.count());
        assertEquals(summary.bad(), rejected.filter(col("reason").contains("malformed stringified JSON")).count());
        String emptyFile = "1B_CheckoutOrder/" + oddId2 + "/id/empty.json";
        assertEquals(List.of("empty file: no document in it"), rejected.filter(col("source_file").equalTo(emptyFile))
                .select("reason").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        String cutFile = "1B_FulfillmentOrder/" + firstId("1B_FulfillmentOrder").getFileName() + "/id/cut.json";
        assertEquals(1, rejected.filter(col("source_file").equalTo(cutFile)).count());

        // 4. --force runs a done folder again and adds nothing, to the table or to quarantine.
        long version = tableVersion(sluice, "trusted/orders");
        long quarantineVersion = tableVersion(sluice, "quarantine/orders");
        assertEquals(0, sluice.run(backfill("--folder", "1B_CheckoutOrder", "--force")), sluice.err());
        assertTrue(sluice.out().contains("usable, 1 to quarantine"), sluice.out());
        assertFalse(sluice.out().contains("records to "), sluice.out());
        assertEquals(version, tableVersion(sluice, "trusted/orders"));
        assertEquals(quarantineVersion, tableVersion(sluice, "quarantine/orders"));
        assertEquals(4, state(sluice, "1B_CheckoutOrder").get("attempts").asInt());
        assertOracle(summary, sluice);

        // 5. --parallel 2 into another lake gives the same table.
        SluiceCli parallel = cli("lake2", expected);
        assertEquals(1, parallel.run(backfill("--parallel", "2")));
        assertTrue(parallel.err().contains("1 of 5 folder(s) did not complete: 2C_CheckoutOrder is missing"),
                parallel.err());
        assertEquals(sortedRows(sluice), sortedRows(parallel));
        assertEquals(summary.bad() + 2, quarantine(parallel).count());
    }

    @Test
    void backfillAndRepartitionOfTheSameDocumentsWriteEachVersionOnce() throws IOException {
        OrderGenerator.Summary summary = generate(24, 12);
        SluiceCli sluice = cli("lake", FOLDERS);
        assertEquals(0, sluice.run(backfill("--folder", "0A_CheckoutOrder")), sluice.err());
        long first = table(sluice).count();
        assertEquals(versionsIn("0A_CheckoutOrder"), first);

        // The pipeline delivers the documents of two folders: one backfilled already, one backfilled after.
        Path pending = sluice.zone("landing/pending");
        Files.createDirectories(pending);
        for (String folder : List.of("0A_CheckoutOrder", "1B_CheckoutOrder")) {
            Files.write(pending.resolve(folder + ".json"), documentsIn(folder));
        }
        assertEquals(0, sluice.run("parse"), sluice.err());
        sluice.at("2019-08-23T10:05:00Z");
        assertEquals(0, sluice.run("repartition"), sluice.err());
        assertEquals(first + versionsIn("1B_CheckoutOrder"), table(sluice).count());

        assertEquals(0, sluice.run(backfill()), sluice.err());
        assertOracle(summary, sluice);
        JsonNode overlap = state(sluice, "1B_CheckoutOrder");
        assertEquals(0, overlap.get("versionsWritten").asLong());
        assertEquals(versionsIn("1B_CheckoutOrder"), overlap.get("alreadyPresent").asLong());
    }

    @Test
    void aTableLockHeldElsewhereIsWaitedForThenRetried() throws IOException {
        generate(12, 13);
        SluiceCli sluice = cli("lake", FOLDERS);
        HadoopStorage storage = new HadoopStorage(new Configuration());
        String lockFile = sluice.zone("trusted/_sluice/orders/distribute.lock").toString();
        try (ZoneLock held = ZoneLock.acquire(storage, lockFile, "repartition", Duration.ofHours(6),
                Clock.systemUTC())) {
            assertEquals(1, sluice.run(backfill("--folder", "1B_FulfillmentOrder", "--max-attempts", "2",
                    "--lock-wait", "PT0.2S")));
            JsonNode state = state(sluice, "1B_FulfillmentOrder");
            assertEquals("failed", state.get("status").asText());
            assertEquals(2, state.get("attempts").asInt());
            assertTrue(state.get("lastError").asText().startsWith("ConcurrentRunException: another backfill-history"
                    + " run holds the lock " + storage.resolve(sluice.zone("trusted").toString(),
                    "_sluice/orders/distribute.lock")), state.toString());
            assertTrue(sluice.out().contains("1B_FulfillmentOrder: the table is locked by another run; waiting"),
                    sluice.out());
            assertFalse(Files.exists(sluice.zone("trusted/orders/_delta_log")));
        }
        assertEquals(0, sluice.run(backfill("--folder", "1B_FulfillmentOrder")), sluice.err());
        assertEquals(versionsIn("1B_FulfillmentOrder"), table(sluice).count());
        assertFalse(Files.exists(Path.of(lockFile)), "the lock was not released");
    }

    @Test
    void badArgumentsAreRefusedBeforeSparkWithTheOptionNamed() throws IOException {
        SluiceCli sluice = cli("lake", FOLDERS);
        Files.createDirectories(source.resolve("misc"));
        assertEquals(2, sluice.run(backfill("--folder", "0A_checkoutorder")));
        assertTrue(sluice.err().startsWith("folder '0A_checkoutorder' does not match"
                + " datasets.orders.history.folderPattern"), sluice.err());
        assertEquals(2, sluice.run(backfill("--folder", "0A_CheckoutOrder", "--folders", "1B_CheckoutOrder")));
        assertTrue(sluice.err().contains("--folder and --folders cannot be combined"), sluice.err());
        assertEquals(2, sluice.run(backfill("--parallel", "0")));
        assertTrue(sluice.err().contains("--parallel must be at least 1, got 0"), sluice.err());
        assertEquals(2, sluice.run(backfill("--lock-wait", "30s")));
        assertTrue(sluice.err().contains("'30s' is not an ISO-8601 duration; write e.g. PT10S"), sluice.err());
        assertEquals(2, sluice.run(backfill()));
        assertTrue(sluice.err().startsWith("error: no folder under " + source + " matches"
                + " datasets.orders.history.folderPattern"), sluice.err());
        assertEquals(1, sluice.run(backfill("--folders", "0A_CheckoutOrder,1B_CheckoutOrder")));
        assertTrue(sluice.err().contains("2 of 2 folder(s) did not complete: 0A_CheckoutOrder is missing;"
                + " 1B_CheckoutOrder is missing"), sluice.err());
    }

    /** Distinct good versions among a folder's documents, as the test reads them. */
    private long versionsIn(String folder) throws IOException {
        Set<String> versions = new HashSet<>();
        for (String line : documentsIn(folder)) {
            JsonNode doc = JSON.readTree(line);
            if (doc.has("ClientProfileData")) {
                versions.add(doc.get("Id").asText() + "|" + doc.get("LastChange").asText());
            }
        }
        return versions.size();
    }

    private List<String> documentsIn(String folder) throws IOException {
        try (Stream<Path> files = Files.walk(source.resolve(folder))) {
            List<String> lines = new ArrayList<>();
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                lines.add(Files.readString(file).strip());
            }
            return lines;
        }
    }
}
