package io.sluice;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real S3 server for the tests: S3Proxy (fetched by Maven into {@code target/s3proxy/}) in its own process on
 * 127.0.0.1 and a free port, in-memory by default ({@code -Dsluice.s3proxy.backend=filesystem-nio2} keeps objects on
 * disk under a temp dir). One server per test JVM, started on first use and killed when the test plan ends.
 *
 * <p>Use it as a JUnit 5 extension, {@code @ExtendWith(S3Server.class)} with an {@code S3Server} parameter, or call
 * {@link #shared()}. {@link #configure(SparkSession, String...)} points s3a at it per bucket
 * ({@code fs.s3a.bucket.<name>.*}), so a shared session keeps working on local paths and other buckets.
 */
public final class S3Server implements ParameterResolver, AutoCloseable {
    /** Credentials the server accepts; test-only values. */
    public static final String ACCESS_KEY = "sluice-test-access";
    public static final String SECRET_KEY = "sluice-test-secret";
    private static final String REGION = "us-east-1";
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static S3Server shared;

    private final Process process;
    private final Path dir;
    private final String endpoint;
    private final S3Client client;

    /** For JUnit's extension model only; tests receive the shared server as a parameter. */
    public S3Server() {
        this.process = null;
        this.dir = null;
        this.endpoint = null;
        this.client = null;
    }

    private S3Server(Process process, Path dir, String endpoint) {
        this.process = process;
        this.dir = dir;
        this.endpoint = endpoint;
        this.client = S3Client.builder().endpointOverride(URI.create(endpoint)).forcePathStyle(true)
                .region(Region.of(REGION)).httpClientBuilder(ApacheHttpClient.builder())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    /** The server of this JVM, started on first call. */
    public static synchronized S3Server shared() {
        if (shared == null) {
            shared = start();
            S3Server server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "s3proxy-stop"));
        }
        return shared;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == S3Server.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        S3Server server = shared();
        // Closed by JUnit when the whole test plan ends, not after the first class that used it.
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(S3Server.class, k -> (ExtensionContext.Store.CloseableResource) server::close);
        return server;
    }

    /** Starts a new server; {@link #close()} kills it. */
    public static S3Server start() {
        Path jar = Path.of(System.getProperty("sluice.s3proxyJar", "target/s3proxy/s3proxy.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("S3Proxy is not at " + jar + "; run the tests through Maven"
                    + " (mvn test), which downloads it in the process-test-classes phase");
        }
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return start(jar, freePort());
            } catch (IllegalStateException e) {
                last = e;
            }
        }
        throw last;
    }

    private static S3Server start(Path jar, int port) {
        try {
            Path dir = Files.createTempDirectory("s3proxy");
            String backend = System.getProperty("sluice.s3proxy.backend", "transient-nio2");
            String endpoint = "http://127.0.0.1:" + port;
            Files.writeString(dir.resolve("s3proxy.properties"), String.join("\n",
                    "s3proxy.endpoint=" + endpoint,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=" + backend,
                    "jclouds.identity=" + ACCESS_KEY,
                    "jclouds.credential=" + SECRET_KEY,
                    "jclouds.filesystem.basedir=" + dir.resolve("data"), ""));
            Files.createDirectories(dir.resolve("data"));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process = new ProcessBuilder(java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-jar", jar.toAbsolutePath().toString(), "--properties", "s3proxy.properties")
                    .directory(dir.toFile()).redirectErrorStream(true).start();
            CompletableFuture<Void> listening = copyLog(process, dir.resolve("s3proxy.log"), port);
            S3Server server = new S3Server(process, dir, endpoint);
            server.awaitReady(listening);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start S3Proxy", e);
        }
    }

    /**
     * Copies the server's output into {@code log} on a daemon thread; the future completes when Jetty says its
     * connector listens on {@code port}, and fails when the output ends first (the process died).
     */
    private static CompletableFuture<Void> copyLog(Process process, Path log, int port) {
        CompletableFuture<Void> listening = new CompletableFuture<>();
        String started = "127.0.0.1:" + port + "}";
        Thread copier = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8)); Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    out.write(line);
                    out.write('\n');
                    if (!listening.isDone() && line.contains("Started") && line.contains(started)) {
                        out.flush();
                        listening.complete(null);
                    }
                }
            } catch (IOException e) {
                listening.completeExceptionally(e);
            }
            listening.completeExceptionally(new IllegalStateException("S3Proxy's output ended before it listened"));
        }, "s3proxy-log");
        copier.setDaemon(true);
        copier.start();
        return listening;
    }

    private void awaitReady(CompletableFuture<Void> listening) {
        try {
            listening.get(60, TimeUnit.SECONDS);
            client.listBuckets();
        } catch (ExecutionException | TimeoutException | SdkException e) {
            String log = log();
            close();
            throw new IllegalStateException("S3Proxy did not start on " + endpoint + ": " + e.getMessage() + "\n"
                    + log, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while waiting for S3Proxy", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    /** The server's log so far, for failure messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("s3proxy.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String endpoint() {
        return endpoint;
    }

    /** An SDK client with the server's credentials, for setting up and checking tests. */
    public S3Client client() {
        return client;
    }

    /** Creates {@code bucket} unless it exists. */
    public void createBucket(String bucket) {
        try {
            client.createBucket(b -> b.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException e) {
            // Already there: what the caller wanted.
        }
    }

    /** Creates a bucket with a name no other test of this JVM uses, {@code <hint>-<n>}, and returns its name. */
    public String newBucket(String hint) {
        String bucket = hint + "-" + BUCKETS.incrementAndGet();
        createBucket(bucket);
        return bucket;
    }

    /** The s3a options that reach {@code bucket} on this server, as {@code fs.s3a.bucket.<bucket>.*} keys. */
    public Map<String, String> s3aOptions(String bucket) {
        String at = "fs.s3a.bucket." + bucket + ".";
        return Map.ofEntries(
                Map.entry(at + "endpoint", endpoint),
                Map.entry(at + "endpoint.region", REGION),
                Map.entry(at + "path.style.access", "true"),
                Map.entry(at + "connection.ssl.enabled", "false"),
                Map.entry(at + "aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"),
                Map.entry(at + "access.key", ACCESS_KEY),
                Map.entry(at + "secret.key", SECRET_KEY),
                Map.entry(at + "change.detection.mode", "none"),
                Map.entry(at + "bucket.probe", "0"),
                Map.entry(at + "attempts.maximum", "2"),
                Map.entry(at + "retry.limit", "2"));
    }

    /** Points s3a (and Sluice's S3 storage, which reads the same keys) at this server for {@code buckets}. */
    public void configure(Configuration conf, String... buckets) {
        for (String bucket : buckets) {
            s3aOptions(bucket).forEach(conf::set);
        }
    }

    /** {@link #configure(Configuration, String...)} on the session's Hadoop configuration. */
    public void configure(SparkSession spark, String... buckets) {
        configure(spark.sparkContext().hadoopConfiguration(), buckets);
    }

    /** Every key in {@code bucket}, sorted. */
    public List<String> keys(String bucket) {
        return client.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
                .map(o -> o.key()).sorted().toList();
    }

    /** Kills the server and removes its files. */
    @Override
    public synchronized void close() {
        if (process == null || !process.isAlive() && dir != null && !Files.exists(dir)) {
            return;
        }
        client.close();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Best effort: the temp dir is the OS's to clean.
        }
    }
}
