package io.sluice.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Loads and validates a {@link SluiceConfig} from YAML; needs no Spark, so a bad config fails in a second. */
public final class ConfigLoader {
    /** Spark or Hadoop keys that hold credentials; they belong to the provider chain, never to a config file. */
    private static final Pattern SECRET_KEY = Pattern.compile(
            ".*(secret|password|session\\.token|access\\.key|credential(?!s\\.provider)).*", Pattern.CASE_INSENSITIVE);

    private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    private ConfigLoader() {
    }

    /**
     * Reads and validates the config at {@code location}: a local path, or a URI of any file system Hadoop
     * knows here ({@code s3://} on EMR, {@code s3a://}, {@code dbfs:/} on Databricks), so a cluster step can
     * point at the config next to the jar.
     */
    public static SluiceConfig load(String location) {
        return load(location, UnaryOperator.identity());
    }

    /**
     * As {@link #load(String)}, with {@code overrides} (the command line's zone options) applied to the zones
     * before they are validated, so an option can supply a zone the file lacks.
     */
    public static SluiceConfig load(String location, UnaryOperator<Zones> overrides) {
        if (!location.matches("^[A-Za-z][A-Za-z0-9+.-]+:/.*") || location.startsWith("file:")) {
            Path file = Path.of(location.startsWith("file:") ? java.net.URI.create(location).getPath() : location);
            return load(file, overrides);
        }
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
        try (InputStream in = path.getFileSystem(new org.apache.hadoop.conf.Configuration()).open(path)) {
            return load(in, location, overrides);
        } catch (java.io.FileNotFoundException e) {
            throw new ConfigException("config " + location + " does not exist; upload it (e.g. aws s3 cp conf/emr.yaml "
                    + location + ") or pass --config with its location", e);
        } catch (IOException e) {
            throw new ConfigException("cannot read config " + location + ": " + e.getMessage(), e);
        }
    }

    /** Reads and validates the config file at {@code file}. */
    public static SluiceConfig load(Path file) {
        return load(file, UnaryOperator.identity());
    }

    private static SluiceConfig load(Path file, UnaryOperator<Zones> overrides) {
        try (InputStream in = Files.newInputStream(file)) {
            return load(in, file.toString(), overrides);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist; pass --config FILE"
                    + " (ready ones are in conf/: local.yaml, emr.yaml, databricks.yaml)", e);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads and validates a config from {@code in}; {@code source} names it in error messages. */
    public static SluiceConfig load(InputStream in, String source) {
        return load(in, source, UnaryOperator.identity());
    }

    private static SluiceConfig load(InputStream in, String source, UnaryOperator<Zones> overrides) {
        SluiceConfig config;
        try {
            config = YAML.readValue(in, SluiceConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(source + ": unknown key '" + path(e) + "'; known keys there: "
                    + e.getKnownPropertyIds().stream().map(String::valueOf).sorted()
                    .collect(Collectors.joining(", ")), e);
        } catch (JsonMappingException e) {
            throw new ConfigException(source + ": bad value at '" + path(e) + "': " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": not valid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException("cannot read config " + source + ": " + e.getMessage(), e);
        }
        if (config == null) {
            throw new ConfigException(source + " is empty; start from conf/local.yaml");
        }
        refuseSecrets(source, config.sparkSettings());
        config = config.withZones(overrides.apply(config.zones() == null ? Zones.NONE : config.zones()));
        config.validate(source);
        return config;
    }

    private static void refuseSecrets(String source, Map<String, String> spark) {
        for (String key : spark.keySet()) {
            if (SECRET_KEY.matcher(key.toLowerCase(Locale.ROOT)).matches()) {
                throw new ConfigException(source + ": spark." + key + " holds a credential; secrets never go in"
                        + " a config file. Use the default AWS provider chain (AWS_ACCESS_KEY_ID /"
                        + " AWS_SECRET_ACCESS_KEY in the environment, a profile in ~/.aws, or the instance role)");
            }
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }
}
