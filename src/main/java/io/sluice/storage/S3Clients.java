package io.sluice.storage;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * S3 clients built from {@link S3ClientSettings}. The shared ones live as long as the JVM, one per distinct
 * setting, like Hadoop's FileSystem cache; a bulk copy builds its own with a larger connection pool and closes it.
 */
public final class S3Clients {
    /** Connections of a shared client: room for parse's moves at their largest concurrency (parse.moveConcurrency). */
    private static final int SHARED_CONNECTIONS = 64;
    private static final Map<S3ClientSettings, S3Client> SHARED = new ConcurrentHashMap<>();

    private S3Clients() {
    }

    /** The JVM-wide client for {@code settings}; never close it. */
    public static S3Client shared(S3ClientSettings settings) {
        return SHARED.computeIfAbsent(settings, s -> create(s, SHARED_CONNECTIONS));
    }

    /** A new client with room for {@code connections} requests in flight; the caller closes it. */
    public static S3Client create(S3ClientSettings settings, int connections) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(connections))
                .credentialsProvider(credentials(settings))
                .forcePathStyle(settings.pathStyle());
        if (settings.endpoint().isPresent()) {
            builder.endpointOverride(settings.endpoint().get())
                    .region(Region.of(settings.region().orElse("us-east-1")));
        } else {
            // On AWS a bucket may live in any region: let the SDK follow the redirect.
            builder.region(Region.of(settings.region().orElseGet(S3Clients::defaultRegion)))
                    .crossRegionAccessEnabled(true);
        }
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(S3ClientSettings settings) {
        return settings.keys().<AwsCredentialsProvider>map(keys -> StaticCredentialsProvider.create(
                keys.sessionToken().isPresent()
                        ? AwsSessionCredentials.create(keys.accessKey(), keys.secretKey(), keys.sessionToken().get())
                        : AwsBasicCredentials.create(keys.accessKey(), keys.secretKey())))
                .orElseGet(DefaultCredentialsProvider::create);
    }

    /** The region of the environment, profile or instance; us-east-1 when none says. */
    private static String defaultRegion() {
        try {
            return new DefaultAwsRegionProviderChain().getRegion().id();
        } catch (SdkClientException e) {
            return "us-east-1";
        }
    }
}
