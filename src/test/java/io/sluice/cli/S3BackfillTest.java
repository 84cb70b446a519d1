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
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code backfill-history run} from a history tree in one bucket into a lake in another, both on s3a://. */
@ExtendWith(S3Server.class)
class S3BackfillTest {
    private static final SparkSession SPARK = SparkTestSession.get();

    @TempDir
    Path dir;

    @Test
    void historyOnS3LandsEveryVersionOnceAndStraysAreNeverRead(S3Server server) throws IOException {
        String history = server.newBucket("history");
        String lake = server.newBucket("lake");
        server.configure(SPARK, history, lake);
        Path keyFile = dir.resolve("pii.key");
        Files.writeString(keyFile, "s3-test-key");
        Path config = dir.resolve("sluice.yaml");
        Files.writeString(config, Files.readString(Path.of("conf/local.yaml"))
                .replace("personalDataKeyEnv: SLUICE_PII_KEY",
                        "personalDataKeyEnv: SLUICE_TEST_KEY_UNSET\n      personalDataKeyFile: " + keyFile)
                .replace("expectedFolders: [\"{HH}_CheckoutOrder\", \"{HH}_FulfillmentOrder\"]", "expectedFolders: []"));

        Path tree = dir.resolve("tree");
        OrderGenerator.Summary summary = new OrderGenerator(6, 21, LocalDate.parse("2019-08-20"), 3)
                .generate(tree, OrderGenerator.Layout.HISTORY, 1);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(tree)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            String key = "export/" + tree.relativize(file).toString().replace('\\', '/');
            server.client().putObject(b -> b.bucket(history).key(key), RequestBody.fromFile(file));
        }
        // A stray subfolder under id/ holding a copy of a document: reported, never read.
        String first = "export/" + tree.relativize(files.get(0)).toString().replace('\\', '/');
        String idDir = first.substring(0, first.lastIndexOf('/'));
        server.client().copyObject(b -> b.sourceBucket(history).sourceKey(first).destinationBucket(history)
                .destinationKey(idDir + "/old/copy.json"));
        server.client().putObject(b -> b.bucket(history).key(idDir + "/empty.json"), RequestBody.empty());

        SluiceCli sluice = new SluiceCli("s3a://" + lake + "/lake", "--config", config.toString(),
                "--dataset", "orders");
        assertEquals(0, sluice.run("backfill-history", "run", "--source", "s3a://" + history + "/export",
                "--retry-delay", "PT0.01S", "--max-retry-delay", "PT0.05S"), sluice.out() + sluice.err());
        assertTrue(sluice.out().contains("old/copy.json"), sluice.out());

        Dataset<Row> orders = SPARK.read().format("delta").load(sluice.location("trusted/orders"));
        assertEquals(summary.versions(), orders.count());
        assertEquals(summary.versions(), orders.select("Id", "LastChange").distinct().count());
        assertEquals(summary.bad() + 1, SPARK.read().format("delta").load(sluice.location("quarantine/orders")).count());

        assertEquals(0, sluice.run("backfill-history", "run", "--source", "s3a://" + history + "/export"),
                sluice.err());
        assertEquals(summary.versions(), SPARK.read().format("delta").load(sluice.location("trusted/orders")).count());
    }
}
