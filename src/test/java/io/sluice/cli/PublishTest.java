package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.SparkTestSession;
import io.sluice.config.ConfigLoader;
import io.sluice.config.GoldTable;
import io.sluice.lake.Checkpoints;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sluice publish} with the gold tables conf/local.yaml ships (events per type per day, latest account
 * status): after every batch and every kill, each gold table equals its query over the whole trusted table.
 */
class PublishTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final Map<String, GoldTable> GOLD = ConfigLoader.load(Path.of(ZoneOptions.CONFIG_DEFAULT))
            .dataset("events").gold();
    private static final String EVENT = "{\"event_id\":\"%s\",\"timestamp\":\"%s\",\"domain\":\"%s\",\"event_type\":"
            + "\"%s\",\"data\":%s}\n";

    @TempDir
    Path dir;

    private SluiceCli sluice;

    @BeforeEach
    void lake() throws IOException {
        Files.createDirectories(dir.resolve("lake/landing/pending"));
        sluice = new SluiceCli(dir.resolve("lake"), "--gold", dir.resolve("lake/gold").toString());
    }

    private static String shop(String id, String at, String type) {
        return EVENT.formatted(id, at, "shop", type, "{\"n\":1}");
    }

    private static String account(String id, String at, int account, String status) {
        return EVENT.formatted(id, at, "account", "status-change",
                "{\"id\":" + account + ",\"new_status\":\"" + status + "\",\"reason\":\"r-" + id + "\"}");
    }

    private void deliver(String name, String... lines) throws IOException {
        Files.writeString(dir.resolve("lake/landing/pending").resolve(name), String.join("", lines));
    }

    private void run() {
        assertEquals(0, sluice.run("run"), sluice.err());
    }

    private String publish(String... options) {
        String[] args = new String[options.length + 1];
        args[0] = "publish";
        System.arraycopy(options, 0, args, 1, options.length);
        assertEquals(0, sluice.run(args), sluice.err() + sluice.out());
        return sluice.out();
    }

    /** The gold table's rows, sorted, in the query's column order. */
    private List<String> gold(String name, List<String> columns) {
        Dataset<Row> table = SPARK.read().format("delta").load(dir.resolve("lake/gold/events").resolve(name).toString());
        return sorted(table.select(columns.stream().map(c -> col("`" + c + "`")).toArray(Column[]::new)));
    }

    /** The gold query over the whole trusted table, as it is now. */
    private Dataset<Row> oracle(String name) {
        SPARK.read().format("delta").load(dir.resolve("lake/trusted/events").toString()).createOrReplaceTempView("events");
        try {
            return SPARK.sql(GOLD.get(name).query()).localCheckpoint();
        } finally {
            SPARK.catalog().dropTempView("events");
        }
    }

    private static List<String> sorted(Dataset<Row> rows) {
        return rows.collectAsList().stream().map(Row::toString).sorted().toList();
    }

    private void assertGoldEqualsQueries() {
        for (String name : GOLD.keySet()) {
            Dataset<Row> expected = oracle(name);
            assertTrue(expected.count() > 0, name + " has rows");
            assertEquals(sorted(expected), gold(name, Arrays.asList(expected.columns())), name);
        }
    }

    private long goldVersion(String name) {
        return io.delta.tables.DeltaTable.forPath(SPARK, dir.resolve("lake/gold/events").resolve(name).toString())
                .history(1).first().getLong(0);
    }

    @Test
    void goldTablesStayEqualToTheirQueriesAcrossBatchesReDeliveriesVersionsAndKills() throws Exception {
        String first = shop("e1", "2024-05-01T10:00:00Z", "paid") + shop("e2", "2024-05-01T11:00:00Z", "paid")
                + shop("e3", "2024-05-02T10:00:00Z", "sent") + shop("e4", "2024-05-02T12:00:00Z", "paid")
                + account("a1", "2024-05-01T09:00:00Z", 1, "ACTIVE") + account("a2", "2024-05-01T09:30:00Z", 2, "BLOCKED");
        deliver("b1.json", first);
        run();
        String out = publish();
        assertTrue(out.contains("gold events_per_type_day ") && out.contains("rebuilt in full at trusted version 0"),
                out);
        assertGoldEqualsQueries();

        // A re-delivery of b1, a newer version of e1 that moves it to May 3rd, an older version of e2, a new
        // event, a newer status for account 1 and an older one (another event) for account 2.
        deliver("b1-again.json", first);
        deliver("b2.json", shop("e1", "2024-05-03T08:00:00Z", "paid"), shop("e2", "2024-04-30T11:00:00Z", "paid"),
                shop("e5", "2024-05-02T13:00:00Z", "sent"), account("a3", "2024-05-02T09:00:00Z", 1, "SUSPENDED"),
                account("a4", "2024-04-30T09:00:00Z", 2, "ACTIVE"));
        run();
        out = publish();
        // Groups touched: (paid, May 1st) and (paid, May 3rd) by e1, (sent, May 2nd) by e5, the status changes of
        // May 2nd and April 30th; accounts 1 and 2.
        // The batch is one commit: deletion vectors mark the rows its newer versions replace, and its rows are added.
        assertTrue(out.contains("gold events_per_type_day ") && out.contains(": 5 groups touched by trusted versions 1..1"
                + " replaced"), out);
        assertTrue(out.contains(": 2 groups touched by trusted versions 1..1 replaced"), out);
        assertGoldEqualsQueries();
        assertEquals(List.of("[account,status-change,2024-04-30,1]", "[account,status-change,2024-05-01,2]",
                "[account,status-change,2024-05-02,1]", "[shop,paid,2024-05-01,1]", "[shop,paid,2024-05-02,1]", "[shop,paid,2024-05-03,1]",
                "[shop,sent,2024-05-02,2]"), gold("events_per_type_day", List.of("domain", "event_type", "day",
                "events")));
        assertEquals(List.of("[1,SUSPENDED]", "[2,BLOCKED]"), gold("account_status", List.of("account_id", "status")));

        long before = goldVersion("events_per_type_day");
        out = publish();
        assertTrue(out.contains("up to date at trusted version 1, nothing written"), out);
        assertEquals(before, goldVersion("events_per_type_day"), "a rerun with nothing new writes nothing");

        // Killed before the gold commit, then after it: the rerun ends equal to the queries either way.
        deliver("b3.json", shop("e3", "2024-05-04T10:00:00Z", "sent"), account("a5", "2024-05-05T09:00:00Z", 2, "DELETED"));
        run();
        for (String point : List.of("publish.beforeCommit", "publish.committed")) {
            Checkpoints kill = name -> {
                if (name.equals(point)) {
                    throw new IllegalStateException("killed at " + name);
                }
            };
            assertEquals(1, sluice.run(kill, "publish"), sluice.out());
            assertTrue(sluice.err().contains("killed at " + point), sluice.err());
        }
        out = publish();
        assertTrue(out.contains("account_status") && out.contains(": 1 groups touched by trusted versions 2..2 replaced"),
                out);
        assertTrue(out.contains("events_per_type_day") && out.contains("up to date at trusted version 2"), out);
        assertGoldEqualsQueries();

        out = publish("--full");
        assertTrue(out.contains("rebuilt in full at trusted version 2 (9 rows)"), out);
        assertGoldEqualsQueries();

        assertEquals(0, sluice.run("status", "--dataset", "events", "--json"), sluice.err());
        JsonNode gold = new ObjectMapper().readTree(sluice.out()).at("/datasets/0/gold");
        assertEquals(2, gold.size());
        for (JsonNode table : gold) {
            assertEquals(2, table.get("trustedVersion").asLong(), table.toString());
            assertEquals(0, table.get("versionsBehind").asLong(), table.toString());
        }

        // A trusted table without a change feed (as tables created before it was enabled): rebuilt in full, said so.
        String trusted = dir.resolve("lake/trusted/events").toString();
        SPARK.sql("ALTER TABLE delta.`" + trusted + "` SET TBLPROPERTIES (delta.enableChangeDataFeed = false)");
        deliver("b4.json", shop("e6", "2024-05-06T10:00:00Z", "paid"));
        run();
        out = publish();
        assertTrue(out.contains("rebuilt in full at trusted version 4") && out.contains("has no change data feed"),
                out);
        assertGoldEqualsQueries();
        // Enabled again: the versions in between have no feed, so once more in full; then incremental again.
        SPARK.sql("ALTER TABLE delta.`" + trusted + "` SET TBLPROPERTIES (delta.enableChangeDataFeed = true)");
        deliver("b5.json", shop("e7", "2024-05-06T11:00:00Z", "paid"));
        run();
        out = publish();
        assertTrue(out.contains("rebuilt in full at trusted version 6") && out.contains("change data feed was enabled"
                + " within versions 5..6"), out);
        deliver("b6.json", account("a6", "2024-05-07T09:00:00Z", 3, "ACTIVE"));
        run();
        out = publish();
        assertTrue(out.contains(": 1 groups touched by trusted versions 7..7 replaced"), out);
        assertGoldEqualsQueries();

        // Upkeep covers the gold tables and changes none of their rows.
        assertEquals(0, sluice.run("maintain", "--no-vacuum"), sluice.err());
        assertTrue(sluice.out().contains("gold events_per_type_day: "), sluice.out());
        assertGoldEqualsQueries();
    }

    @Test
    void aGoldTableWithACatalogNameIsQueryableByIt() throws IOException {
        Path config = dir.resolve("gold.yaml");
        String shipped = Files.readString(Path.of(ZoneOptions.CONFIG_DEFAULT));
        assertTrue(shipped.contains("        keys: [account_id]\n"));
        Files.writeString(config, shipped.replace("        keys: [account_id]\n",
                "        keys: [account_id]\n        table: default.publish_test_account_status\n"));
        SluiceCli named = new SluiceCli(dir.resolve("lake"), "--config", config.toString(), "--gold",
                dir.resolve("lake/gold").toString());
        deliver("b1.json", account("a1", "2024-05-01T09:00:00Z", 1, "ACTIVE"),
                account("a2", "2024-05-02T09:00:00Z", 1, "BLOCKED"));
        assertEquals(0, named.run("run"), named.err());
        assertEquals(0, named.run("publish"), named.err() + named.out());
        assertEquals(List.of("[1,BLOCKED,a2]"), sorted(SPARK.sql(
                "SELECT account_id, status, event_id FROM default.publish_test_account_status")));
    }

    @Test
    void groupsWhoseKeysHoldQuotesBackslashesAndUnicodeAreReplacedExactly() throws IOException {
        String[] types = {"it's-done", "x\\\\y", "a\\\"b", "ação 🚀", "", "50% #1: a/b=c"};
        StringBuilder first = new StringBuilder(account("h-a", "2024-05-01T09:00:00Z", 7, "ACTIVE"));
        for (int i = 0; i < types.length; i++) {
            first.append(EVENT.formatted("h" + i, "2024-05-01T10:00:00Z", "o'brien", types[i], "{}"));
        }
        deliver("h1.json", first.toString());
        run();
        publish();
        assertGoldEqualsQueries();
        // Newer versions move every event to another day and the first two to another type.
        StringBuilder second = new StringBuilder();
        for (int i = 0; i < types.length; i++) {
            second.append(EVENT.formatted("h" + i, "2024-05-02T10:00:00Z", "o'brien", types[i < 2 ? 1 - i : i], "{}"));
        }
        deliver("h2.json", second.toString());
        run();
        String out = publish();
        // Each event left its (type, May 1st) group for a (type, May 2nd) one; a record the profile rejects (the
        // empty type, if it is one) is in neither.
        long moved = SPARK.read().format("delta").load(dir.resolve("lake/trusted/events").toString())
                .filter(col("domain").equalTo("o'brien")).count();
        assertTrue(moved >= 5, "moved: " + moved);
        assertTrue(out.contains(": " + 2 * moved + " groups touched by trusted versions 1..1 replaced"), out);
        assertGoldEqualsQueries();
        assertEquals(moved, gold("events_per_type_day", List.of("day")).stream().filter(d -> d.equals("[2024-05-02]"))
                .count(), "every type moved to May 2nd");
    }
}
