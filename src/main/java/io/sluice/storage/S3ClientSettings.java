package io.sluice.storage;

import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How to reach one bucket with the AWS SDK, read from the same Hadoop settings s3a reads, so one config drives
 * both: {@code fs.s3a.endpoint}, {@code fs.s3a.endpoint.region}, {@code fs.s3a.path.style.access},
 * {@code fs.s3a.connection.ssl.enabled} and, for tests and S3-compatible stores only,
 * {@code fs.s3a.access.key}/{@code secret.key}/{@code session.token}; each may be overridden per bucket with
 * {@code fs.s3a.bucket.<bucket>.<option>}, as s3a allows. Without keys the SDK's default provider chain
 * (environment, profile, container or instance role) supplies credentials.
 *
 * @param endpoint endpoint override, or empty for AWS itself
 * @param region signing region, or empty to let the SDK's region chain decide
 * @param pathStyle address buckets as {@code host/bucket} instead of {@code bucket.host}
 * @param keys static credentials from the Hadoop config, or empty for the default chain
 */
public record S3ClientSettings(Optional<URI> endpoint, Optional<String> region, boolean pathStyle,
                               Optional<Keys> keys) {
    private static final Pattern AWS_ENDPOINT = Pattern.compile("(?:.*\\.)?s3[.-]([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?");

    /** Static credentials; {@link #toString()} never shows them. */
    public record Keys(String accessKey, String secretKey, Optional<String> sessionToken) {
        @Override
        public String toString() {
            return "Keys[accessKey=" + (accessKey.length() > 4 ? accessKey.substring(0, 4) + "…" : "…") + "]";
        }
    }

    /** The settings of {@code bucket} from {@code conf}. */
    public static S3ClientSettings of(Configuration conf, String bucket) {
        Optional<String> rawEndpoint = option(conf, bucket, "endpoint");
        boolean ssl = Boolean.parseBoolean(option(conf, bucket, "connection.ssl.enabled").orElse("true"));
        Optional<String> region = option(conf, bucket, "endpoint.region");
        Optional<URI> endpoint = Optional.empty();
        if (rawEndpoint.isPresent()) {
            String value = rawEndpoint.get();
            String host = value.replaceFirst("^[a-zA-Z]+://", "").replaceFirst("[:/].*$", "").toLowerCase(Locale.ROOT);
            Matcher aws = AWS_ENDPOINT.matcher(host);
            if (host.equals("s3.amazonaws.com")) {
                // The global endpoint: let the SDK route by region.
            } else if (aws.matches() && !host.contains("fips") && !host.contains("vpce")) {
                region = region.or(() -> Optional.of(aws.group(1)));
            } else {
                endpoint = Optional.of(URI.create(value.contains("://") ? value : (ssl ? "https://" : "http://") + value));
            }
        }
        boolean pathStyle = Boolean.parseBoolean(option(conf, bucket, "path.style.access").orElse("false"));
        Optional<String> access = secret(conf, bucket, "access.key");
        Optional<String> secretKey = secret(conf, bucket, "secret.key");
        Optional<Keys> keys = access.isPresent() && secretKey.isPresent()
                ? Optional.of(new Keys(access.get(), secretKey.get(), secret(conf, bucket, "session.token")))
                : Optional.empty();
        return new S3ClientSettings(endpoint, region, pathStyle, keys);
    }

    /** {@code fs.s3a.bucket.<bucket>.<name>} when set, else {@code fs.s3a.<name>}; blank counts as unset. */
    static Optional<String> option(Configuration conf, String bucket, String name) {
        String perBucket = conf.getTrimmed("fs.s3a.bucket." + bucket + "." + name);
        if (perBucket != null && !perBucket.isEmpty()) {
            return Optional.of(perBucket);
        }
        return Optional.ofNullable(conf.getTrimmed("fs.s3a." + name)).filter(v -> !v.isEmpty());
    }

    /** Like {@link #option}, through Hadoop's credential providers too (JCEKS files), as s3a reads secrets. */
    private static Optional<String> secret(Configuration conf, String bucket, String name) {
        for (String key : new String[] {"fs.s3a.bucket." + bucket + "." + name, "fs.s3a." + name}) {
            try {
                char[] value = conf.getPassword(key);
                if (value != null && value.length > 0) {
                    return Optional.of(new String(value).trim());
                }
            } catch (IOException e) {
                throw new StorageException("cannot read " + key + " from the Hadoop credential providers: "
                        + e.getMessage(), e);
            }
        }
        return Optional.empty();
    }
}
