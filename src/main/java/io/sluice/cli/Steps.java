package io.sluice.cli;

import io.sluice.config.ConfigException;
import io.sluice.config.DatasetProfile;
import io.sluice.config.Source;
import io.sluice.config.Structure;
import io.sluice.ingest.DocumentStructurer;
import io.sluice.ingest.RecordTyper;
import io.sluice.steps.JdbcClientSettings;
import io.sluice.steps.KafkaClientSettings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Builds the pieces of steps that depend on the environment, such as the personal-data key. */
final class Steps {
    private Steps() {
    }

    /** The record typer of {@code profile}; refuses to start when personal data must be hashed without a key. */
    static RecordTyper typer(DatasetProfile profile) {
        Optional<DocumentStructurer> structurer = profile.structuring()
                .map(structure -> new DocumentStructurer(structure, personalDataKey(structure)));
        return new RecordTyper(profile, structurer);
    }

    /**
     * The Kafka client settings of {@code profile}'s source, credentials from the environment; empty when the
     * source is not Kafka. Fails before Spark starts when a named environment variable is not set.
     */
    static Optional<KafkaClientSettings> kafkaClient(DatasetProfile profile, String dataset) {
        Source source = profile.sourceOrFiles();
        if (source.kind() != Source.Kind.KAFKA) {
            return Optional.empty();
        }
        return Optional.of(KafkaClientSettings.of(source, System.getenv(), "datasets." + dataset + ".source"));
    }

    /**
     * The JDBC connection settings of {@code profile}'s source, credentials from the environment or the password
     * file; empty when the source is not JDBC. Fails before Spark starts when a named secret is not there.
     */
    static Optional<JdbcClientSettings> jdbcClient(DatasetProfile profile, String dataset) {
        Source source = profile.sourceOrFiles();
        if (source.kind() != Source.Kind.JDBC) {
            return Optional.empty();
        }
        return Optional.of(JdbcClientSettings.of(source, System.getenv(), "datasets." + dataset + ".source"));
    }

    private static byte[] personalDataKey(Structure structure) {
        if (!structure.hashesPersonalData()) {
            return null;
        }
        String fromEnv = System.getenv(structure.personalDataKeyEnv());
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.getBytes(StandardCharsets.UTF_8);
        }
        if (structure.personalDataKeyFile() != null) {
            Path file = Path.of(structure.personalDataKeyFile());
            try {
                String key = Files.readString(file).strip();
                if (!key.isEmpty()) {
                    return key.getBytes(StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                throw new ConfigException("cannot read the personal-data key file " + file + ": " + e.getMessage(), e);
            }
        }
        throw new ConfigException("this dataset hashes personal data (HMAC-SHA-256) and needs a secret key: set the"
                + " environment variable " + structure.personalDataKeyEnv() + " or point"
                + " structure.personalDataKeyFile at a file readable only by the job. Keep the same key across runs,"
                + " or hashed values will no longer join");
    }
}
