package io.sluice.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every s3a credential key is refused in a config's spark block, globally or per bucket; the provider setting is not. */
class ConfigSecretsTest {
    private static final String CONFIG = """
            zones: {landing: s3a://lake/landing, stage: s3a://lake/stage, trusted: s3a://lake/trusted, quarantine: s3a://lake/q}
            spark:
              %s: "%s"
            datasets:
              events:
                recordKey: [event_id]
                version: timestamp
                eventTime: timestamp
                fields: {event_id: string, timestamp: timestamp}
            """;

    private static SluiceConfig load(String key, String value) {
        String yaml = CONFIG.formatted(key, value);
        return ConfigLoader.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "lake.yaml");
    }

    @ParameterizedTest
    @ValueSource(strings = {"spark.hadoop.fs.s3a.access.key", "spark.hadoop.fs.s3a.secret.key",
            "spark.hadoop.fs.s3a.session.token", "spark.hadoop.fs.s3a.bucket.lake.secret.key",
            "spark.hadoop.fs.s3a.bucket.lake.access.key", "spark.hadoop.fs.s3a.bucket.lake.session.token",
            "spark.hadoop.fs.s3.awsSecretAccessKey", "spark.hadoop.fs.s3a.Secret.Key"})
    void credentialKeysAreRefusedWithWhereSecretsGo(String key) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(key, "AKIA-not-a-real-one"));
        assertEquals("lake.yaml: spark." + key + " holds a credential; secrets never go in a config file. Use the"
                + " default AWS provider chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the environment, a profile"
                + " in ~/.aws, or the instance role)", e.getMessage());
        assertEquals(false, e.getMessage().contains("AKIA-not-a-real-one"), "the value is never echoed");
    }

    @Test
    void theProviderChainAndEndpointSettingsAreAllowed() {
        SluiceConfig config = load("spark.hadoop.fs.s3a.aws.credentials.provider",
                "com.amazonaws.auth.DefaultAWSCredentialsProviderChain");
        assertEquals("com.amazonaws.auth.DefaultAWSCredentialsProviderChain",
                config.sparkSettings().get("spark.hadoop.fs.s3a.aws.credentials.provider"));
        assertEquals("s3.eu-west-1.amazonaws.com",
                load("spark.hadoop.fs.s3a.endpoint", "s3.eu-west-1.amazonaws.com").sparkSettings()
                        .get("spark.hadoop.fs.s3a.endpoint"));
    }
}
