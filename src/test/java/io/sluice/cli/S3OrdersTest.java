package io.sluice.cli;

import io.sluice.S3Server;
import io.sluice.SparkTestSession;
import io.sluice.generate.OrderGenerator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Order documents through parse and repartition with every zone on s3a://, against a real S3 server. */
@ExtendWith(S3Server.class)
class S3OrdersTest {
    private static final SparkSession SPARK = SparkTestSession.get();

    @TempDir
    Path dir;

    @Test
    void repartitionWritesEveryVersionOnceOnS3(S3Server server) throws IOException {
        String bucket = server.newBucket("orders");
        server.configure(SPARK, bucket);
        Path keyFile = dir.resolve("pii.key");
        Files.writeString(keyFile, "s3-test-key");
        Path config = dir.resolve("sluice.yaml");
        Files.writeString(config, Files.readString(Path.of("conf/local.yaml")).replace(
                "personalDataKeyEnv: SLUICE_PII_KEY",
                "personalDataKeyEnv: SLUICE_TEST_KEY_UNSET\n      personalDataKeyFile: " + keyFile));
        SluiceCli sluice = new SluiceCli("s3a://" + bucket + "/lake", "--config", config.toString(),
                "--dataset", "orders");

        OrderGenerator.Summary summary = new OrderGenerator(30, 11, LocalDate.parse("2019-08-20"), 4)
                .generate(dir.resolve("generated"), OrderGenerator.Layout.LANDING, 25);
        try (Stream<Path> files = Files.list(dir.resolve("generated"))) {
            for (Path file : files.toList()) {
                server.client().putObject(b -> b.bucket(bucket).key("lake/landing/pending/hour 09: "
                        + file.getFileName()), RequestBody.fromFile(file));
            }
        }
        assertEquals(0, sluice.run("parse"), sluice.err());
        assertTrue(server.keys(bucket).stream().noneMatch(k -> k.startsWith("lake/landing/pending/")),
                server.keys(bucket).toString());
        sluice.at("2019-08-23T10:05:00Z");
        assertEquals(0, sluice.run("repartition"), sluice.err());
        assertEquals(0, sluice.run("repartition", "--hour", "2019-08-23T09"), sluice.err());

        Dataset<Row> orders = SPARK.read().format("delta").load(sluice.location("trusted/orders"));
        assertEquals(summary.versions(), orders.count());
        assertEquals(summary.versions(), orders.select("Id", "LastChange").distinct().count());
        Map<LocalDate, Long> byDate = new TreeMap<>();
        for (Row row : orders.groupBy("year", "month", "day").count().collectAsList()) {
            byDate.put(LocalDate.of(row.getInt(0), row.getInt(1), row.getInt(2)), row.getLong(3));
        }
        assertEquals(summary.versionsByDate(), byDate);
    }
}
