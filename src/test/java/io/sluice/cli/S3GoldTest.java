package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.S3Server;
import io.sluice.SparkTestSession;
import io.sluice.lake.Checkpoints;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;
import software.amazon.awssdk.core.sync.RequestBody;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** publish and status with every zone, gold included, on s3a://, against a real S3 server. */
@ExtendWith(S3Server.class)
class S3GoldTest {
    private static final SparkSession SPARK = SparkTestSession.get();

    private String out;
    private String err;

    private int sluice(String bucket, String... args) {
        StringWriter outText = new StringWriter();
        StringWriter errText = new StringWriter();
        CommandLine commandLine = Sluice.commandLine(new Sluice(settings -> SPARK, Checkpoints.NONE,
                Clock.systemUTC()));
        commandLine.setOut(new PrintWriter(outText));
        commandLine.setErr(new PrintWriter(errText));
        List<String> all = new ArrayList<>(List.of(args));
        for (String zone : List.of("landing", "stage", "trusted", "quarantine")) {
            all.addAll(List.of("--" + zone, "s3a://" + bucket + "/" + zone));
        }
        // No --gold: the gold zone of a config without one is 'gold' beside the trusted zone.
        all.addAll(List.of("--config", "src/test/config/no-gold-zone.yaml"));
        int code = commandLine.execute(all.toArray(String[]::new));
        out = outText.toString();
        err = errText.toString();
        return code;
    }

    @Test
    void publishAndStatusOnS3(S3Server server) throws Exception {
        String bucket = server.newBucket("gold");
        server.configure(SPARK, bucket);
        server.client().putObject(b -> b.bucket(bucket).key("landing/pending/b1.json"), RequestBody.fromString(
                "{\"event_id\":\"e1\",\"timestamp\":\"2024-05-01T10:00:00Z\",\"domain\":\"shop\",\"event_type\":\"paid\","
                        + "\"data\":{}}\n{\"event_id\":\"e2\",\"timestamp\":\"2024-05-01T11:00:00Z\",\"domain\":\"shop\","
                        + "\"event_type\":\"paid\",\"data\":{}}\nnot json\n"));
        assertEquals(0, sluice(bucket, "run", "--dataset", "events"), err);
        assertEquals(0, sluice(bucket, "publish", "--dataset", "events"), err + out);
        assertTrue(out.contains("s3a://" + bucket + "/gold/events/per_day: rebuilt in full at trusted version 0 (1 rows)"),
                out);
        assertEquals("[shop,paid,2024-05-01,2]", SPARK.read().format("delta").load("s3a://" + bucket
                + "/gold/events/per_day").select("domain", "event_type", "day", "events").first().toString());
        assertEquals(0, sluice(bucket, "publish", "--dataset", "events"), err + out);
        assertTrue(out.contains("up to date at trusted version 0, nothing written"), out);

        assertEquals(0, sluice(bucket, "status", "--dataset", "events", "--json", "--max-lag", "PT1H"), err + out);
        JsonNode events = new ObjectMapper().readTree(out).at("/datasets/0");
        assertEquals(List.of(2L, 1L), List.of(events.at("/batches/0/records").asLong(),
                events.at("/batches/0/quarantined").asLong()));
        assertEquals(1, events.at("/tables/0/files").asLong());
        assertEquals(0, events.at("/gold/0/trustedVersion").asLong());
        assertEquals("s3a://" + bucket + "/landing/pending", events.at("/pending/location").asText());
    }
}
