package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.S3Server;
import io.sluice.SparkTestSession;
import io.sluice.lake.Checkpoints;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.core.sync.RequestBody;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code backfill-history copy} between two buckets of a real S3 server: multipart, resume, verification, failures. */
@ExtendWith(S3Server.class)
class BackfillCopyCommandTest {
    private static final SparkSession SPARK = SparkTestSession.get();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ODD = "doc 1:ação%#.json";
    private static final int BIG = 11 * 1024 * 1024 + 3;
    private static S3Server server;
    private static byte[] big;

    @TempDir
    Path dir;

    private String source;
    private String target;
    private String out;
    private String err;

    @BeforeAll
    static void server(S3Server s3) {
        server = s3;
        big = new byte[BIG];
        new Random(42).nextBytes(big);
    }

    @BeforeEach
    void buckets() {
        source = server.newBucket("history-src");
        target = server.newBucket("history-dst");
        server.configure(SPARK, source, target, "no-such-bucket");
        put(source, "history/A/id/" + ODD, "{\"a\":1}");
        put(source, "history/A/id/2.json", "{\"a\":2}");
        put(source, "history/A/id/3.json", "{\"a\":3}");
        put(source, "history/B/id/1.json", "{\"b\":1}");
        put(source, "history/B/id/2.json", "{\"b\":22}");
        server.client().putObject(b -> b.bucket(source).key("history/B/id/big.bin"), RequestBody.fromBytes(big));
        put(source, "history/C/id/1.json", "{\"c\":1}");
        put(source, "history/README.txt", "loose");
        put(source, "elsewhere/x.json", "not history");
    }

    private void put(String bucket, String key, String content) {
        server.client().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content));
    }

    private int copy(String... args) {
        StringWriter outText = new StringWriter();
        StringWriter errText = new StringWriter();
        CommandLine commandLine = Sluice.commandLine(new Sluice(settings -> SPARK, Checkpoints.NONE, Clock.systemUTC()));
        commandLine.setOut(new PrintWriter(outText));
        commandLine.setErr(new PrintWriter(errText));
        List<String> all = new ArrayList<>(List.of("backfill-history", "copy", "--concurrency", "8",
                "--multipart-threshold", "" + 8 * 1024 * 1024, "--part-size", "" + 5 * 1024 * 1024,
                "--report", dir.resolve("copy.json").toString()));
        all.addAll(List.of(args));
        int code = commandLine.execute(all.toArray(String[]::new));
        out = outText.toString();
        err = errText.toString();
        return code;
    }

    private JsonNode report() throws IOException {
        return JSON.readTree(dir.resolve("copy.json").toFile());
    }

    private Path configExpecting(String folders) throws IOException {
        Path config = dir.resolve("history.yaml");
        Files.writeString(config, Files.readString(Path.of("conf/local.yaml")).replace("    format: delta\n",
                "    format: delta\n    history:\n      folderPattern: \"[A-Z]\"\n      expectedFolders: [" + folders + "]\n"));
        return config;
    }

    private List<String> keys(String bucket, String prefix) {
        return server.keys(bucket).stream().filter(k -> k.startsWith(prefix)).map(k -> k.substring(prefix.length()))
                .toList();
    }

    @Test
    void copiesEveryFolderServerSideReportsMissingOnesAndResumesWithoutCopyingAgain() throws IOException {
        List<String> sourceKeys = server.keys(source);

        assertEquals(1, copy("--from", "s3a://" + source + "/history", "--to", "s3a://" + target + "/lake/history",
                "--config", configExpecting("A, B, C, E").toString()), err);

        assertEquals(keys(source, "history/"), keys(target, "lake/history/"));
        assertEquals(List.of("lake/history/A/id/2.json", "lake/history/A/id/3.json", "lake/history/A/id/" + ODD,
                "lake/history/B/id/1.json", "lake/history/B/id/2.json", "lake/history/B/id/big.bin",
                "lake/history/C/id/1.json", "lake/history/README.txt"), server.keys(target));
        assertArrayEquals(big, server.client().getObjectAsBytes(b -> b.bucket(target).key("lake/history/B/id/big.bin"))
                .asByteArray());
        assertTrue(server.client().headObject(b -> b.bucket(target).key("lake/history/B/id/big.bin")).eTag()
                .endsWith("-3\""), "copied in three parts");
        assertTrue(out.contains("missing: 1 expected folder(s) are not at the source: E"), out);
        assertTrue(out.contains("INCOMPLETE: run the same command again"), out);
        JsonNode report = report();
        assertEquals(false, report.get("complete").asBoolean());
        assertEquals(8, report.get("copied").asLong());
        assertEquals(0, report.get("skipped").asLong());
        assertEquals("[\"E\"]", report.get("missingAtSource").toString());
        assertEquals(List.of("", "A", "B", "C"), report.get("folders").findValuesAsText("folder"),
                "history/README.txt lies directly under --from");
        JsonNode b = report.get("folders").get(2);
        assertEquals(3, b.get("sourceObjects").asLong());
        assertEquals(BIG + 7 + 8, b.get("sourceBytes").asLong());
        assertEquals(3, b.get("targetObjects").asLong());
        assertEquals(BIG + 7 + 8, b.get("targetBytes").asLong());
        assertEquals(true, b.get("complete").asBoolean());

        assertEquals(0, copy("--from", "s3a://" + source + "/history", "--to", "s3a://" + target + "/lake/history"), err);

        assertEquals(0, report().get("copied").asLong());
        assertEquals(8, report().get("skipped").asLong(), "the multipart copy is recognised by its source ETag");
        assertTrue(out.contains("complete: every folder is at the target with the source's count and bytes"), out);
        assertEquals(sourceKeys, server.keys(source), "the source is never touched");
    }

    @Test
    void onlyTheGivenFoldersAreCopiedAndStaleTargetsAreReplaced() throws IOException {
        put(target, "copy/A/id/2.json", "{\"a\":9}");
        put(target, "copy/A/id/3.json", "{\"a\":3, \"longer\": true}");

        assertEquals(1, copy("--from", "s3://" + source + "/history/", "--to", "s3://" + target + "/copy",
                "--folders", "A,Z"), err);

        assertEquals(List.of("A/id/2.json", "A/id/3.json", "A/id/" + ODD), keys(target, "copy/"));
        assertEquals("{\"a\":2}", server.client().getObjectAsBytes(b -> b.bucket(target).key("copy/A/id/2.json"))
                .asUtf8String(), "same size, another ETag: copied again");
        assertEquals(3, report().get("copied").asLong());
        assertEquals("[\"Z\"]", report().get("missingAtSource").toString());
        assertTrue(out.contains("missing: 1 expected folder(s) are not at the source: Z"), out);
    }

    @Test
    void aTargetThatCannotBeReachedFailsEveryFolderWithTheReason() throws IOException {
        assertEquals(1, copy("--from", "s3a://" + source + "/history", "--to", "s3a://no-such-bucket/history",
                "--folders", "C"));

        assertTrue(out.contains("problem: C: cannot list s3a://no-such-bucket/history/C: "), out);
        assertTrue(out.contains("the bucket does not exist or lives behind another endpoint"), out);
        assertEquals(false, report().get("complete").asBoolean());
    }

    @Test
    void usageErrorsNameTheOption() {
        assertEquals(2, copy("--from", "/local/history", "--to", "s3a://" + target + "/h"));
        assertTrue(err.startsWith("--from /local/history is not on S3; give s3://bucket/prefix (or s3a://)"), err);
        assertEquals(2, copy("--from", "s3a://" + source + "/history", "--to", "s3a://" + source + "/history/copy"));
        assertTrue(err.startsWith("--from s3a://" + source + "/history and --to s3a://" + source + "/history/copy overlap;"),
                err);
        assertEquals(2, copy("--from", "s3a://" + source + "/history", "--to", "s3a://" + target + "/h",
                "--folders", "A/id"));
        assertTrue(err.startsWith("--folders: 'A/id' is not a top-level folder name; give names like A,B without"
                + " slashes"), err);
        assertEquals(List.of(), keys(target, ""), "nothing copied");
    }
}
