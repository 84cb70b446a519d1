package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.SparkTestSession;
import io.sluice.generate.OrderGenerator;
import io.sluice.lake.Checkpoints;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Order documents: structuring in {@code parse}, and {@code repartition} by business date, on real Delta tables. */
class OrdersTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "test-pseudonymisation-key";

    @TempDir
    Path dir;

    private SluiceCli sluice;
    private Path generated;

    @BeforeEach
    void setUp() throws IOException {
        Path keyFile = dir.resolve("pii.key");
        Files.writeString(keyFile, KEY + "\n");
        String config = Files.readString(Path.of("conf/local.yaml")).replace("personalDataKeyEnv: SLUICE_PII_KEY",
                "personalDataKeyEnv: SLUICE_TEST_KEY_UNSET\n      personalDataKeyFile: " + keyFile);
        Path configFile = dir.resolve("sluice.yaml");
        Files.writeString(configFile, config);
        sluice = new SluiceCli(dir.resolve("lake"), "--config", configFile.toString(), "--dataset", "orders");
        generated = dir.resolve("generated");
        Files.createDirectories(sluice.zone("landing/pending"));
    }

    private OrderGenerator.Summary generate(long orders, long seed) {
        return new OrderGenerator(orders, seed, LocalDate.parse("2019-08-20"), 5)
                .generate(generated.resolve("s" + seed), OrderGenerator.Layout.LANDING, 40);
    }

    private void deliver(long seed) throws IOException {
        try (Stream<Path> files = Files.list(generated.resolve("s" + seed))) {
            for (Path file : files.toList()) {
                Files.copy(file, sluice.zone("landing/pending").resolve("s" + seed + "-" + file.getFileName()));
            }
        }
    }

    private Dataset<Row> table(String name) {
        return SPARK.read().format("delta").load(sluice.zone("trusted").resolve(name).toString());
    }

    /** Every row, every column, as sorted JSON lines. */
    private static List<String> rows(Dataset<Row> table) {
        return table.toJSON().collectAsList().stream().sorted().toList();
    }

    private long versions(String table) {
        return SPARK.read().format("delta").load(sluice.zone("trusted").resolve(table).toString()).count();
    }

    private Map<LocalDate, Long> byDate(Dataset<Row> rows) {
        Map<LocalDate, Long> counts = new TreeMap<>();
        for (Row row : rows.groupBy("year", "month", "day").count().collectAsList()) {
            counts.put(LocalDate.of(row.getInt(0), row.getInt(1), row.getInt(2)), row.getLong(3));
        }
        return counts;
    }

    @Test
    void structuresDocumentsAndPartitionsEveryVersionOnceByBusinessDate() throws IOException {
        OrderGenerator.Summary summary = generate(60, 1);
        deliver(1);
        assertEquals(0, sluice.run("parse"), sluice.err());
        sluice.at("2019-08-23T10:05:00Z");
        assertEquals(0, sluice.run("repartition"), sluice.err());

        Dataset<Row> orders = table("orders");
        assertEquals(summary.versions(), orders.count());
        assertEquals(summary.versions(), orders.select("Id", "LastChange").distinct().count());
        assertEquals(summary.versionsByDate(), byDate(orders));
        assertEquals(summary.bad(), SPARK.read().format("delta").load(sluice.zone("quarantine/orders").toString())
                .filter(col("reason").contains("malformed stringified JSON")).count());

        StructType schema = orders.schema();
        assertEquals(DataTypes.TimestampType, schema.apply("CreationDate").dataType());
        assertEquals(DataTypes.TimestampType, schema.apply("LastChange").dataType());
        List<String> paths = new ArrayList<>();
        collectPaths(schema, "", paths);
        assertTrue(paths.stream().noneMatch(p -> p.toLowerCase().contains("attachment")), paths.toString());
        assertTrue(paths.stream().allMatch(p -> p.matches("[A-Za-z0-9_.\\[\\]]+")), paths.toString());
        assertTrue(paths.contains("Items[].productCategories[].key"), paths.toString());
        assertTrue(paths.contains("Items[].productCategories[].value"), paths.toString());
        assertTrue(paths.contains("CustomData.customApps[].fields.utm_source"), paths.toString());
        assertTrue(paths.contains("CustomData.customApps[].fields.affiliate_id"), paths.toString());
        assertTrue(paths.contains("RatesAndBenefitsData.rateAndBenefitsIdentifiers[].matchedParameters"
                + ".Seller_CatalogSystem"), paths.toString());
        assertTrue(paths.contains("ItemMetadata.Items[].assemblyOptions[].inputValues.Gift_message"
                + ".maximumNumberOfCharacters"), paths.toString());
        assertFalse(paths.stream().anyMatch(p -> p.contains("geoCoordinates")), paths.toString());
        assertEquals(DataTypes.StringType, leaf(schema, "Items[].quantity"));
        assertEquals(DataTypes.StringType, leaf(schema, "Items[].productId"));

        // Values: leading zeros kept, personal data hashed with the key, never in clear.
        Row first = orders.orderBy("Id", "LastChange").first();
        JsonNode source = sourceDocument(first.getString(first.fieldIndex("Id")), first.getAs("LastChange"));
        JsonNode client = JSON.readTree(source.get("ClientProfileData").asText());
        Row clientRow = first.getStruct(first.fieldIndex("ClientProfileData"));
        assertEquals(hmac(client.get("email").asText()), clientRow.getString(clientRow.fieldIndex("email")));
        assertEquals(hmac(client.get("document").asText()), clientRow.getString(clientRow.fieldIndex("document")));
        assertEquals(client.get("userProfileId").asText(), clientRow.getString(clientRow.fieldIndex("userProfileId")));
        JsonNode item = JSON.readTree(source.get("Items").asText()).get(0);
        Row itemRow = first.<Row>getList(first.fieldIndex("Items")).get(0);
        assertEquals(item.get("productId").asText(), itemRow.getString(itemRow.fieldIndex("productId")));
        List<String> everything = orders.toJSON().collectAsList();
        assertTrue(everything.stream().noneMatch(text -> text.contains("@example.com") || text.contains("Rua ")),
                "clear personal data in the trusted table");
    }

    @Test
    void rerunsAndResentHoursAddNothingAndLateBatchesAreTaken() throws IOException {
        OrderGenerator.Summary first = generate(40, 2);
        deliver(2);
        assertEquals(0, sluice.run("parse"), sluice.err());
        // A second batch planned in the same hour, killed before its commit: still open when hour 09 is written.
        OrderGenerator.Summary late = generate(30, 3);
        deliver(3);
        sluice.at("2019-08-23T09:59:30Z");
        assertEquals(1, sluice.run(point -> {
            if (point.equals("parse.planned")) {
                throw new IllegalStateException("killed at " + point);
            }
        }, "parse"));

        sluice.at("2019-08-23T10:05:00Z");
        assertEquals(0, sluice.run("repartition"), sluice.err());
        assertEquals(first.versions(), versions("orders"));
        assertTrue(sluice.out().contains("ingestionHours=1") || sluice.out().contains("ingestion hours"),
                sluice.out());

        // The killed batch is finished later; it belongs to hour 09, which was already written.
        assertEquals(0, sluice.run("parse"), sluice.err());
        assertEquals(0, sluice.run("repartition"), sluice.err());
        assertEquals(first.versions() + late.versions(), versions("orders"));

        long tableVersion = deltaVersion("orders");
        assertEquals(0, sluice.run("repartition"), sluice.err());
        assertEquals(0, sluice.run("repartition", "--hour", "2019-08-23T09"), sluice.err());
        assertEquals(0, sluice.run("repartition", "--from", "2019-08-23T00", "--to", "2019-08-23T23"), sluice.err());
        assertEquals(first.versions() + late.versions(), versions("orders"));
        assertEquals(tableVersion, deltaVersion("orders"), "a re-run wrote a new table version");

        // The same documents delivered again under other names add nothing.
        deliver(2);
        try (Stream<Path> files = Files.list(sluice.zone("landing/pending"))) {
            for (Path file : files.toList()) {
                Files.move(file, file.resolveSibling("resent-" + file.getFileName()));
            }
        }
        sluice.at("2019-08-23T11:10:00Z");
        assertEquals(0, sluice.run("parse"), sluice.err());
        sluice.at("2019-08-23T12:00:00Z");
        assertEquals(0, sluice.run("repartition"), sluice.err());
        assertEquals(first.versions() + late.versions(), versions("orders"));
    }

    @Test
    void openHourWaitsAndKilledRunsConverge() throws IOException {
        OrderGenerator.Summary summary = generate(50, 4);
        deliver(4);
        sluice.at("2019-08-23T10:10:00Z");
        assertEquals(0, sluice.run("parse"), sluice.err());
        sluice.at("2019-08-23T10:20:00Z");
        assertEquals(0, sluice.run("repartition"), sluice.err());
        assertFalse(Files.exists(sluice.zone("trusted/orders/_delta_log")), "an open hour was written");

        Checkpoints killAfterCommit = point -> {
            if (point.equals("repartition.trustedCommitted")) {
                throw new IllegalStateException("killed at " + point);
            }
        };
        assertEquals(1, sluice.run(killAfterCommit, "repartition", "--include-open-hour"));
        assertEquals(summary.versions(), versions("orders"));
        List<String> committed = rows(table("orders"));
        sluice.at("2019-08-23T11:00:00Z");
        assertEquals(0, sluice.run("repartition"), sluice.err());
        assertEquals(committed, rows(table("orders")), "the run after the kill changed rows it had committed");
        assertEquals(summary.versions(), versions("orders"));
        assertEquals(summary.versionsByDate(), byDate(table("orders")));

        assertEquals(0, sluice.run("repartition", "--latest-only"), sluice.err());
        Dataset<Row> latest = table("orders_latest");
        assertEquals(summary.orders(), latest.count());
        assertEquals(summary.orders(), latest.select("Id").distinct().count());
        Dataset<Row> newest = table("orders").groupBy("Id").agg(org.apache.spark.sql.functions.max("LastChange")
                .as("newest"));
        assertEquals(0, latest.join(newest, "Id").filter(col("LastChange").notEqual(col("newest"))).count());
    }

    @Test
    void aFieldNullInAWholeBatchDoesNotClashWithItsStructLater() throws IOException {
        generate(10, 5);
        Path pending = sluice.zone("landing/pending");
        try (Stream<Path> files = Files.list(generated.resolve("s5"))) {
            for (Path file : files.toList()) {
                List<String> lines = new ArrayList<>();
                for (String line : Files.readAllLines(file)) {
                    com.fasterxml.jackson.databind.node.ObjectNode doc =
                            (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(line);
                    doc.putNull("CustomData");
                    doc.put("Sellers", "[]");
                    lines.add(doc.toString());
                }
                Files.write(pending.resolve("nulls-" + file.getFileName()), lines);
            }
        }
        assertEquals(0, sluice.run("parse"), sluice.err());
        OrderGenerator.Summary later = generate(10, 6);
        deliver(6);
        sluice.at("2019-08-23T10:30:00Z");
        assertEquals(0, sluice.run("parse"), sluice.err());
        sluice.at("2019-08-23T11:05:00Z");
        assertEquals(0, sluice.run("repartition"), sluice.err());
        StructType schema = table("orders").schema();
        assertTrue(schema.apply("CustomData").dataType() instanceof StructType, schema.treeString());
        assertTrue(schema.apply("Sellers").dataType() instanceof ArrayType, schema.treeString());
        assertEquals(later.versions(), table("orders").filter(col("CustomData").isNotNull()).count());
    }

    @Test
    void refusesToStartWithoutThePseudonymisationKey() throws IOException {
        Path config = dir.resolve("nokey.yaml");
        Files.writeString(config, Files.readString(Path.of("conf/local.yaml"))
                .replace("personalDataKeyEnv: SLUICE_PII_KEY", "personalDataKeyEnv: SLUICE_TEST_KEY_UNSET"));
        SluiceCli noKey = new SluiceCli(dir.resolve("lake"), "--config", config.toString(), "--dataset", "orders");
        assertEquals(2, noKey.run("parse"));
        assertTrue(noKey.err().contains("set the environment variable SLUICE_TEST_KEY_UNSET"), noKey.err());
        assertEquals(2, noKey.run("repartition", "--hour", "2019-08-23 09"));
        assertTrue(noKey.err().contains("--hour '2019-08-23 09' is not an hour; use YYYY-MM-DDTHH"), noKey.err());
    }

    private long deltaVersion(String table) {
        return io.delta.tables.DeltaTable.forPath(SPARK, sluice.zone("trusted").resolve(table).toString())
                .history(1).select("version").first().getLong(0);
    }

    private JsonNode sourceDocument(String id, Object lastChange) throws IOException {
        String wanted = lastChange == null ? null
                : ((java.sql.Timestamp) lastChange).toInstant().toString().substring(0, 19);
        try (Stream<Path> files = Files.walk(generated)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                for (String line : Files.readAllLines(file)) {
                    JsonNode doc = JSON.readTree(line);
                    JsonNode change = doc.get("LastChange");
                    boolean sameChange = wanted == null ? change.isNull()
                            : !change.isNull() && change.asText().startsWith(wanted);
                    if (doc.get("Id").asText().equals(id) && sameChange && doc.has("ClientProfileData")) {
                        return doc;
                    }
                }
            }
        }
        throw new AssertionError("no generated document for " + id + " " + lastChange);
    }

    private static String hmac(String clear) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(clear.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** Every leaf path of {@code type}, arrays as {@code []}. */
    private static void collectPaths(DataType type, String prefix, List<String> paths) {
        if (type instanceof StructType struct) {
            for (StructField field : struct.fields()) {
                collectPaths(field.dataType(), prefix.isEmpty() ? field.name() : prefix + "." + field.name(), paths);
            }
        } else if (type instanceof ArrayType array) {
            collectPaths(array.elementType(), prefix + "[]", paths);
        } else {
            paths.add(prefix);
        }
    }

    private static DataType leaf(StructType schema, String path) {
        DataType type = schema;
        for (String part : path.split("\\.")) {
            boolean array = part.endsWith("[]");
            type = ((StructType) type).apply(array ? part.substring(0, part.length() - 2) : part).dataType();
            if (array) {
                type = ((ArrayType) type).elementType();
            }
        }
        return type;
    }
}
