package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sluice status} on a lake whose batches, quarantine and backlog the test knows. */
class StatusTest {
    private static final String EVENT = "{\"event_id\":\"%s\",\"timestamp\":\"%s\",\"domain\":\"shop\",\"event_type\":"
            + "\"%s\",\"data\":{\"n\":%d}}\n";

    @TempDir
    Path dir;

    private SluiceCli sluice;
    private Instant start;

    @BeforeEach
    void lake() throws IOException {
        Files.createDirectories(dir.resolve("lake/landing/pending"));
        sluice = new SluiceCli(dir.resolve("lake"), "--gold", dir.resolve("lake/gold").toString());
        // Delta stamps commits with the wall clock: the command's clock starts there too.
        start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        sluice.at(start.toString());
    }

    private Path deliver(String name, int from, int to, String... badLines) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = from; i < to; i++) {
            lines.append(EVENT.formatted("e" + i, "2024-05-0" + (1 + i % 2) + "T10:00:00Z", i % 2 == 0 ? "paid" : "sent",
                    i));
        }
        for (String bad : badLines) {
            lines.append(bad).append('\n');
        }
        Path file = dir.resolve("lake/landing/pending").resolve(name);
        Files.writeString(file, lines.toString());
        return file;
    }

    /**
     * Two batches: 10 events with one broken line, then 4 new events, 2 re-sent ones and a record without id; the
     * gold tables of conf/local.yaml published after the first only.
     */
    private void twoBatches() throws IOException {
        deliver("b1.json", 0, 10, "not json");
        assertEquals(0, sluice.run("run"), sluice.err());
        assertEquals(0, sluice.run("publish"), sluice.err());
        deliver("b2.json", 8, 14, "{\"timestamp\":\"2024-05-01T10:00:00Z\",\"domain\":\"shop\",\"event_type\":\"x\"}");
        assertEquals(0, sluice.run("run"), sluice.err());
    }

    @Test
    void reportsBacklogStepsBatchesRunsQuarantineAndTablesAsTextAndJson() throws Exception {
        twoBatches();
        Path waiting = deliver("b3.json", 20, 22);
        Instant now = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.SECONDS); // after every commit so far
        Files.setLastModifiedTime(waiting, FileTime.from(now.minus(30, ChronoUnit.MINUTES)));
        sluice.at(now.plus(10, ChronoUnit.MINUTES).toString());

        assertEquals(0, sluice.run("status", "--dataset", "events", "--json"), sluice.err());
        JsonNode status = new ObjectMapper().readTree(sluice.out());
        assertTrue(status.get("healthy").asBoolean());
        JsonNode events = status.get("datasets").get(0);
        assertEquals("events", events.get("dataset").asText());
        assertEquals(1, events.at("/pending/files").asLong());
        assertEquals(Files.size(waiting), events.at("/pending/bytes").asLong());
        assertEquals(40 * 60, events.at("/pending/oldestAgeSeconds").asLong());

        JsonNode batches = events.get("batches");
        assertEquals(2, batches.size());
        assertEquals(List.of("1 10 1 0 true", "2 6 1 0 true"), List.of(line(batches.get(0)), line(batches.get(1))));

        JsonNode runs = events.get("runs");
        assertEquals(2, runs.size());
        assertEquals(10, runs.get(0).get("written").asLong());
        // The second run: 6 records in, e8 and e9 re-sent unchanged, 4 new rows.
        assertEquals(List.of(6L, 4L, 2L), List.of(runs.get(1).get("recordsIn").asLong(),
                runs.get(1).get("written").asLong(), runs.get(1).get("duplicates").asLong()));
        assertEquals("{\"malformed JSON\":1,\"missing required field 'event_id'\":1}",
                events.get("quarantineReasons").toString());

        List<String> steps = new ArrayList<>();
        events.get("steps").forEach(step -> steps.add(step.get("step").asText() + " " + step.get("batch").asText()
                + " " + step.get("waiting").asText()));
        assertEquals(List.of("parse batch 2 (" + batches.get(1).get("batchId").asText() + ") 1 files",
                "distribute batches through 2 ", "publish events_per_type_day trusted version 0 1 trusted versions",
                "publish account_status trusted version 0 1 trusted versions", "maintain null 2 versions"), steps);
        JsonNode gold = events.get("gold").get(0);
        assertEquals(List.of("events_per_type_day", "0", "1"), List.of(gold.get("name").asText(),
                gold.get("trustedVersion").asText(), gold.get("versionsBehind").asText()));
        JsonNode parse = events.get("steps").get(0);
        assertTrue(parse.get("lagSeconds").asLong() >= 600 && parse.get("lagSeconds").asLong() < 700,
                parse.toString());

        JsonNode trusted = events.get("tables").get(0);
        assertEquals("trusted", trusted.get("role").asText());
        // paid on May 1st, sent on May 2nd, written by two batches: the second added a file to both partitions.
        assertEquals(2, trusted.get("partitions").asLong());
        assertEquals(4, trusted.get("files").asLong());
        assertEquals(trusted.get("files").asLong(), trusted.get("smallFiles").asLong());
        assertEquals(2, trusted.get("mostSmallFiles").asLong());
        assertEquals(1, trusted.get("version").asLong());

        assertEquals(0, sluice.run("status", "--dataset", "events"), sluice.err());
        String text = sluice.out();
        assertTrue(text.contains("pending: 1 files, " + Files.size(waiting) + " bytes, oldest waiting 40m00s"), text);
        assertTrue(text.contains("quarantine ratio of these batches: 0.1111"), text);
        assertTrue(text.contains("OK: no threshold crossed"), text);
    }

    private static String line(JsonNode batch) {
        return batch.get("seq").asLong() + " " + batch.get("records").asLong() + " " + batch.get("quarantined").asLong()
                + " " + batch.get("redeliveredFiles").asLong() + " " + batch.get("distributed").asBoolean();
    }

    @Test
    void thresholdsCrossedExitOneWithTheReasons() throws Exception {
        twoBatches();
        Path waiting = deliver("b3.json", 20, 22);
        Instant now = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.SECONDS); // after every commit so far
        Files.setLastModifiedTime(waiting, FileTime.from(now.minus(2, ChronoUnit.HOURS)));
        sluice.at(now.plus(3, ChronoUnit.HOURS).toString());

        assertEquals(0, sluice.run("status", "--dataset", "events", "--max-lag", "PT4H", "--max-pending-age", "PT6H",
                "--max-quarantine-ratio", "0.2"), sluice.err());

        Path page = Path.of("target/status-page/status.html").toAbsolutePath();
        assertEquals(1, sluice.run("status", "--dataset", "events", "--max-lag", "PT2H", "--max-pending-age", "PT1H",
                "--max-quarantine-ratio", "0.1", "--html", page.toString()), sluice.err());
        List<String> problems = sluice.out().lines().filter(l -> l.contains("PROBLEM")).toList();
        assertEquals(6, problems.size(), sluice.out());
        assertTrue(problems.get(0).matches("  PROBLEM: events: parse last succeeded 3h0[0-9]m ago, more than --max-lag"
                + " PT2H; waiting: 1 files"), problems.get(0));
        assertTrue(problems.get(1).startsWith("  PROBLEM: events: distribute last succeeded 3h0"), problems.get(1));
        assertTrue(problems.get(2).matches("  PROBLEM: events: publish events_per_type_day last succeeded 3h0[0-9]m ago,"
                + " more than --max-lag PT2H; waiting: 1 trusted versions"), problems.get(2));
        assertTrue(problems.get(3).startsWith("  PROBLEM: events: publish account_status last succeeded 3h0"),
                problems.get(3));
        assertEquals("  PROBLEM: events: the oldest of 1 pending files has waited 5h00m, more than"
                + " --max-pending-age PT1H", problems.get(4));
        assertEquals("  PROBLEM: events: 0.1111 of the records of the last 2 batches were quarantined, more than"
                + " --max-quarantine-ratio 0.1 (reasons: {malformed JSON=1, missing required field 'event_id'=1})",
                problems.get(5));

        assertPageShowsTheLake(page);

        assertEquals(1, sluice.run("status", "--json", "--max-pending-age", "PT1H"), sluice.err());
        JsonNode json = new ObjectMapper().readTree(sluice.out());
        assertFalse(json.get("healthy").asBoolean());
        // Without --dataset, every dataset of the config; both read the same landing zone.
        assertEquals(List.of("events", "orders"), List.of(json.at("/datasets/0/dataset").asText(),
                json.at("/datasets/1/dataset").asText()));
        assertEquals(2, json.get("problems").size());
        assertTrue(json.get("problems").get(1).asText().startsWith("orders: the oldest of 1 pending files"),
                json.get("problems").toString());

        assertEquals(2, sluice.run("status", "--max-quarantine-ratio", "1.5"));
        assertTrue(sluice.err().startsWith("--max-quarantine-ratio must be between 0 and 1, got 1.5"),
                sluice.err());
        assertEquals(2, sluice.run("status", "--dataset", "nope"));
        assertTrue(sluice.err().startsWith("error: dataset 'nope' is not defined in the config"), sluice.err());
    }

    /** The page, rendered by a real Chromium, shows this lake's figures, the crossed thresholds in red. */
    private static void assertPageShowsTheLake(Path page) throws IOException {
        String html = Files.readString(page);
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains("<link")
                || html.contains("<script src"), "self-contained: nothing fetched");
        String dom = io.sluice.Chromium.dumpDom(page);
        assertEquals(List.of("thresholds crossed"), figures(dom, "health"));
        assertEquals(List.of("1"), figures(dom, "pending-files"));
        assertEquals(List.of("5h00m"), figures(dom, "pending-age"));
        assertEquals(List.of("10", "6"), figures(dom, "records"));
        assertEquals(List.of("1", "1"), figures(dom, "quarantined"));
        assertEquals(List.of("0.1111"), figures(dom, "quarantine-ratio"));
        assertEquals(List.of("10", "4"), figures(dom, "written"));
        assertEquals(List.of("0", "2"), figures(dom, "duplicates"));
        assertEquals(List.of("4"), figures(dom, "files"));
        assertEquals(List.of("2"), figures(dom, "partitions"));
        assertEquals(List.of("1", "1"), figures(dom, "versions-behind"));
        assertEquals(6, figures(dom, "problem").size(), dom);
        for (String red : List.of("pending-age", "quarantine-ratio")) {
            assertTrue(dom.contains("data-figure=\"" + red + "\" class=\"bad\""), red + " is red");
        }
        assertTrue(dom.contains("<svg data-figure=\"records-per-batch\""), dom);
        assertTrue(dom.contains("data-label=\"malformed JSON\">1<"), dom);
        assertTrue(dom.contains("data-label=\"domain_event_type=shop-paid/year=2024/month=5/day=1\">2<"), dom);
        for (String chart : List.of("hourly", "written-per-run", "delay-per-run", "files-per-partition")) {
            assertTrue(dom.contains("<svg data-figure=\"" + chart + "\""), chart);
        }
        Path png = page.resolveSibling("status.png");
        Files.deleteIfExists(png);
        io.sluice.Chromium.screenshot(page, png);
        assertTrue(Files.size(png) > 10_000, "a screenshot of the page in " + png);
    }

    /** The text of every element with {@code data-figure="name"} in a rendered DOM. */
    private static List<String> figures(String dom, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("data-figure=\"" + name
                + "\"(?: class=\"[a-z ]+\")?>([^<]*)<").matcher(dom);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    @Test
    void aTableThatNeedsUpkeepCrossesItsThresholdsUntilMaintainCompactsIt() throws Exception {
        twoBatches();
        assertEquals(0, sluice.run("status", "--dataset", "events", "--max-small-files", "2",
                "--max-versions-since-upkeep", "2"), sluice.err());

        Path page = Path.of("target/status-page/upkeep.html").toAbsolutePath();
        assertEquals(1, sluice.run("status", "--dataset", "events", "--max-small-files", "1",
                "--max-versions-since-upkeep", "1", "--html", page.toString()), sluice.err());
        List<String> problems = sluice.out().lines().filter(l -> l.contains("PROBLEM")).toList();
        assertEquals(List.of(
                "  PROBLEM: events: table trusted holds 2 files below the target size in partition"
                        + " domain_event_type=shop-paid/year=2024/month=5/day=1, more than --max-small-files 1;"
                        + " run sluice maintain",
                "  PROBLEM: events: table trusted gained 2 log versions and was never compacted, more than"
                        + " --max-versions-since-upkeep 1; run sluice maintain"), problems);
        String dom = io.sluice.Chromium.dumpDom(page);
        assertTrue(dom.contains("data-figure=\"most-small-files\" class=\"bad l\">2 in"), dom);
        assertTrue(dom.contains("data-figure=\"versions-since-upkeep\" class=\"bad\">2<"), dom);

        assertEquals(0, sluice.run("maintain", "--dataset", "events"), sluice.err());
        assertEquals(0, sluice.run("status", "--dataset", "events", "--max-small-files", "1",
                "--max-versions-since-upkeep", "1"), sluice.out());

        assertEquals(2, sluice.run("status", "--max-small-files", "-1"));
        assertTrue(sluice.err().startsWith("--max-small-files and --max-versions-since-upkeep must be 0 or more,"
                + " got -1"), sluice.err());
    }

    @Test
    void aLakeWithNothingYetIsReportedAndNeverRunStepsCrossMaxLag() {
        assertEquals(1, sluice.run("status", "--dataset", "events", "--max-lag", "PT1H"), sluice.err());
        assertTrue(sluice.out().contains("parse                        never succeeded"), sluice.out());
        assertTrue(sluice.out().contains("PROBLEM: events: parse has never succeeded (--max-lag PT1H)"), sluice.out());
    }
}
