package io.sluice.cli;

import io.sluice.KafkaBroker;
import io.sluice.SparkTestSession;
import io.sluice.lake.Checkpoints;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code parse} of a dataset whose source is a Kafka topic, against a real broker in its own process: batches fixed
 * before reading, bad records quarantined, a crash anywhere then a rerun, offsets lost to retention, a new partition,
 * then {@code distribute} unchanged.
 */
class KafkaSourceTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final KafkaBroker KAFKA = KafkaBroker.shared();
    private static final AtomicInteger TOPICS = new AtomicInteger();

    @TempDir
    Path lake;

    private String topic;
    private SluiceCli cli;

    private void setUp(int partitions, String onExpired, String... moreSource) throws IOException {
        if (topic == null) {
            topic = "clicks-" + TOPICS.incrementAndGet();
            KAFKA.createTopic(topic, partitions);
        }
        Path config = lake.resolve("sluice.yaml");
        Files.writeString(config, String.join("\n",
                "datasets:",
                "  clicks:",
                "    recordKey: [click_id]",
                "    version: at",
                "    eventTime: at",
                "    fields:",
                "      click_id: string",
                "      at: timestamp",
                "      page: string",
                "    required: [click_id, at]",
                "    unknownKeys: drop",
                "    source:",
                "      kind: kafka",
                "      bootstrapServers: " + KAFKA.bootstrapServers(),
                "      topics: [" + topic + "]",
                "      maxRecordsPerBatch: 100",
                "      onExpiredOffsets: " + onExpired, String.join("\n", moreSource), ""));
        cli = new SluiceCli(lake, "--config", config.toString(), "--dataset", "clicks");
    }

    private static String click(String id, String at, String page) {
        return "{\"click_id\":\"" + id + "\",\"at\":\"" + at + "\",\"page\":\"" + page + "\"}";
    }

    private void send(int partition, String... values) {
        KAFKA.send(topic, partition, "k" + partition, List.of(values));
    }

    /** {@code click_id | kafka://topic/partition | offset | batch} of every stage row, sorted. */
    private List<String> stage() {
        return SPARK.read().format("delta").load(lake.resolve("stage/clicks").toString())
                .selectExpr("concat_ws(' | ', click_id, _source_file, _record_index, _batch_seq,"
                        + " _kafka_partition, _kafka_offset, _kafka_key)")
                .as(Encoders.STRING()).collectAsList().stream().sorted().toList();
    }

    private String row(String id, int partition, long offset, long batch) {
        return String.join(" | ", id, "kafka://" + topic + "/" + partition, Long.toString(offset),
                Long.toString(batch), Integer.toString(partition), Long.toString(offset), "k" + partition);
    }

    /** {@code reason | source | offset | raw} of every quarantined row, sorted. */
    private List<String> quarantine() {
        return SPARK.read().format("delta").load(lake.resolve("quarantine/clicks").toString())
                .selectExpr("concat_ws(' | ', reason, source_file, record_index, raw)")
                .as(Encoders.STRING()).collectAsList().stream().sorted().toList();
    }

    @Test
    void batchesOfTheNextOffsetsGoToStageAndBadRecordsToQuarantineThenDistributeAsAlways() throws IOException {
        setUp(2, "fail");
        send(0, click("a", "2024-03-01T10:00:00Z", "home"), "{not json", click("b", "2024-03-01T10:01:00Z", "cart"));
        send(1, click("c", "2024-03-01T10:02:00Z", "home"), "{\"click_id\":\"d\"}", click("e", "2024-03-01T10:03:00Z", "x"));

        assertEquals(0, cli.run("parse", "--max-records", "4"), cli.err());
        assertTrue(cli.out().contains("batches"), cli.out());
        List<String> expected = new ArrayList<>(List.of(
                row("a", 0, 0, 1), row("b", 0, 2, 2), row("c", 1, 0, 1), row("e", 1, 2, 2)));
        assertEquals(expected.stream().sorted().toList(), stage());
        assertEquals(List.of(
                "missing required field 'at' | kafka://" + topic + "/1 | 1 | {\"click_id\":\"d\"}",
                "not valid JSON: Unexpected character ('n' (code 110)): was expecting double-quote to start field name"
                        + " | kafka://" + topic + "/0 | 1 | {not json"), quarantine());

        assertEquals(0, cli.run("parse"), cli.err());
        assertEquals(expected.stream().sorted().toList(), stage(), "nothing new: nothing read");

        send(0, click("a", "2024-03-02T10:00:00Z", "later"));
        assertEquals(0, cli.run("parse"), cli.err());
        expected.add(row("a", 0, 3, 3));
        assertEquals(expected.stream().sorted().toList(), stage());

        assertEquals(0, cli.run("distribute"), cli.err());
        assertEquals(List.of("a | later", "b | cart", "c | home", "e | x"),
                SPARK.read().format("delta").load(lake.resolve("trusted/clicks").toString())
                        .selectExpr("concat_ws(' | ', click_id, page)").as(Encoders.STRING())
                        .collectAsList().stream().sorted().toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"kafka.planned", "kafka.stageCommitted", "kafka.quarantineCommitted", "kafka.committed"})
    void aCrashAnywhereThenARerunReadsEveryOffsetOnce(String point) throws IOException {
        setUp(1, "fail");
        send(0, click("a", "2024-03-01T10:00:00Z", "p"), "[1]", click("b", "2024-03-01T10:01:00Z", "p"));
        Checkpoints crash = name -> {
            if (name.equals(point)) {
                throw new PipelineTest.SimulatedCrash(name);
            }
        };
        assertEquals(1, cli.run(crash, "parse"));
        assertTrue(cli.err().contains("simulated crash at " + point), cli.err());
        // Arrives after the crashed batch was planned: the resumed batch must not take it.
        send(0, click("c", "2024-03-01T10:02:00Z", "p"));

        assertEquals(0, cli.run("parse"), cli.err());
        assertEquals(List.of(row("a", 0, 0, 1), row("b", 0, 2, 1), row("c", 0, 3, 2)), stage());
        assertEquals(List.of("not a JSON object: a array at the top level | kafka://" + topic + "/0 | 1 | [1]"),
                quarantine());
    }

    @Test
    void offsetsLostToRetentionFailNamingThemUnlessTheSourceSaysSkip() throws IOException {
        setUp(1, "fail");
        send(0, click("a", "2024-03-01T10:00:00Z", "p"));
        assertEquals(0, cli.run("parse"), cli.err());
        send(0, click("b", "2024-03-01T10:01:00Z", "p"), click("c", "2024-03-01T10:02:00Z", "p"),
                click("d", "2024-03-01T10:03:00Z", "p"));
        KAFKA.deleteRecordsBefore(topic, 0, 3);

        assertEquals(1, cli.run("parse"));
        assertTrue(cli.err().contains("error: dataset clicks: records after the committed offsets were deleted by"
                + " retention before they were read: " + topic + "/0 offsets 1..2 (2 records). Nothing was read."
                + " To go on from the earliest offsets still there and count the loss, set onExpiredOffsets: skip"), cli.err());
        assertEquals(List.of(row("a", 0, 0, 1)), stage());

        setUp(1, "skip");
        assertEquals(0, cli.run("parse", "--report", lake.resolve("report.json").toString()), cli.err());
        assertEquals(List.of(row("a", 0, 0, 1), row("d", 0, 3, 2)), stage());
        assertTrue(cli.out().contains(topic + "/0: offsets 1..2 (2 records) were deleted by retention before they"
                + " were read; skipped (onExpiredOffsets: skip)"), cli.out());
        assertTrue(Files.readString(lake.resolve("report.json")).contains("\"expiredOffsetsSkipped\" : 2"),
                Files.readString(lake.resolve("report.json")));

        assertEquals(0, cli.run("parse"), cli.err());
        assertEquals(List.of(row("a", 0, 0, 1), row("d", 0, 3, 2)), stage(), "the loss is counted once");
    }

    @Test
    void aPartitionAddedToTheTopicIsReadFromItsStart() throws IOException {
        setUp(1, "fail");
        send(0, click("a", "2024-03-01T10:00:00Z", "p"));
        assertEquals(0, cli.run("parse"), cli.err());
        KAFKA.addPartitions(topic, 2);
        send(1, click("b", "2024-03-01T10:01:00Z", "p"), click("c", "2024-03-01T10:02:00Z", "p"));
        send(0, click("d", "2024-03-01T10:03:00Z", "p"));

        assertEquals(0, cli.run("parse"), cli.err());
        assertEquals(List.of(row("a", 0, 0, 1), row("b", 1, 0, 2), row("c", 1, 1, 2), row("d", 0, 1, 2)), stage());
    }

    @Test
    void credentialsNeverInTheConfigAndUnknownKeysNamedBeforeAnythingRuns() throws IOException {
        setUp(1, "fail", "      properties:", "        sasl.jaas.config: x");
        assertEquals(2, cli.run("parse"));
        assertTrue(cli.err().contains("datasets.clicks.source.properties.sasl.jaas.config holds a credential;"
                + " secrets never go in a config file"), cli.err());

        setUp(1, "fail", "      secretPropertiesEnv:", "        sasl.jaas.config: SLUICE_TEST_UNSET_JAAS");
        assertEquals(2, cli.run("parse"));
        assertTrue(cli.err().contains("error: datasets.clicks.source.secretPropertiesEnv.sasl.jaas.config names the"
                + " environment variable SLUICE_TEST_UNSET_JAAS, which is not set"), cli.err());

        setUp(1, "fail", "      partitions: 3");
        assertEquals(2, cli.run("parse"));
        assertTrue(cli.err().contains("unknown key 'datasets.clicks.source.partitions'"), cli.err());
        assertFalse(Files.exists(lake.resolve("stage/clicks")));
    }
}
