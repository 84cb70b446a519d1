package io.sluice.storage;

import io.sluice.S3Server;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link S3Storage} against a real S3 server: listings, moves that die half-way, conditional puts, batched deletes. */
@ExtendWith(S3Server.class)
class S3StorageTest {
    private static final String ODD = "a:b%c#d+e ação.json";
    private static S3Server server;
    private static Configuration conf;

    private String bucket;
    private final List<String> reached = new ArrayList<>();

    @BeforeAll
    static void server(S3Server s3) {
        server = s3;
        conf = new Configuration(false);
    }

    @BeforeEach
    void bucket() {
        bucket = server.newBucket("storage");
        server.configure(conf, bucket);
    }

    /** Storage with tiny pages and delete batches, so that paging and batching really happen. */
    private S3Storage storage() {
        return new S3Storage(b -> S3Clients.shared(S3ClientSettings.of(conf, b)), reached::add, 2, 3);
    }

    private String uri(String key) {
        return new S3Location("s3a", bucket, key).uri();
    }

    private void put(String key, String content) {
        server.client().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content));
    }

    private String content(String key) {
        return server.client().getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String();
    }

    @Test
    void listingsPageThroughOddNamesAndSkipDirectoryMarkers() {
        put("landing/pending/" + ODD, "{}");
        put("landing/pending/b.json", "12345");
        put("landing/pending/sub/c.json", "1");
        put("landing/pending/sub/", "");
        put("landing/pending-other/x.json", "1");
        S3Storage storage = storage();
        String pending = storage.resolve(uri("landing"), "pending");

        List<StoredFile> files = storage.listFiles(pending);

        assertEquals(List.of(ODD, "b.json", "sub/c.json"), files.stream().map(StoredFile::relativePath).toList());
        assertEquals(List.of(2L, 5L, 1L), files.stream().map(StoredFile::size).toList());
        assertEquals(storage.resolve(pending, ODD), files.get(0).uri());
        assertEquals("landing/pending/" + ODD, S3Location.parse(files.get(0).uri()).key());
        assertEquals("s3a://" + bucket + "/landing/pending/a:b%25c%23d+e%20ação.json", files.get(0).uri());
        assertEquals(List.of("sub"), storage.listDirectories(pending));
        assertEquals(List.of(ODD, "b.json", "sub"), storage.listNames(pending));
        assertEquals(List.of("landing"), storage.listNames(uri("")));
        assertEquals(List.of(), storage.listFiles(uri("nothing/here")));
        assertTrue(storage.exists(files.get(0).uri()));
        assertTrue(storage.exists(pending), "a prefix with objects below is a directory");
        assertFalse(storage.exists(uri("landing/pend")));
    }

    @Test
    void aMoveCopiesServerSideThenDeletesAndIsIdempotent() {
        put("landing/pending/" + ODD, "payload");
        S3Storage storage = storage();
        String from = uri("landing/pending/" + ODD);
        String to = uri("landing/processed/date=2024-01-01/" + ODD);

        storage.move(from, to);
        storage.move(from, to);

        assertEquals(List.of("landing/processed/date=2024-01-01/" + ODD), server.keys(bucket));
        assertEquals("payload", content("landing/processed/date=2024-01-01/" + ODD));
        assertEquals(List.of(S3Storage.MOVE_COPIED), reached, "the second move found the work done");
        StorageException missing = assertThrows(StorageException.class, () -> storage.move(uri("x"), uri("y")));
        assertEquals("cannot move " + uri("x") + ": it does not exist, nor does " + uri("y"), missing.getMessage());
    }

    @Test
    void aMoveKilledBetweenCopyAndDeleteLeavesBothAndTheRetryRemovesTheSource() {
        put("p/" + ODD, "payload");
        String from = uri("p/" + ODD);
        String to = uri("q/" + ODD);
        S3Storage crashing = new S3Storage(b -> S3Clients.shared(S3ClientSettings.of(conf, b)), point -> {
            throw new IllegalStateException("killed at " + point);
        }, 1000, 1000);

        IllegalStateException crash = assertThrows(IllegalStateException.class, () -> crashing.move(from, to));
        assertEquals("killed at storage.moveCopied", crash.getMessage());
        assertEquals(List.of("p/" + ODD, "q/" + ODD), server.keys(bucket));

        storage().move(from, to);

        assertEquals(List.of("q/" + ODD), server.keys(bucket));
        assertEquals("payload", content("q/" + ODD));
        assertEquals(List.of(), reached, "no second copy");
    }

    @Test
    void aMoveOntoAnotherFileOfAnotherSizeIsRefused() {
        put("p/a.json", "one");
        put("q/a.json", "three");
        StorageException e = assertThrows(StorageException.class, () -> storage().move(uri("p/a.json"), uri("q/a.json")));
        assertEquals("cannot move " + uri("p/a.json") + ": " + uri("q/a.json") + " already exists with another size;"
                + " compare the two files and remove the wrong one", e.getMessage());
        assertEquals(List.of("p/a.json", "q/a.json"), server.keys(bucket));
    }

    @Test
    void createExclusiveIsAConditionalPut() {
        S3Storage storage = storage();
        String lock = uri("landing/_sluice/parse-events.lock");

        assertTrue(storage.createExclusive(lock, "first"));
        assertFalse(storage.createExclusive(lock, "second"));

        assertEquals(Optional.of("first"), storage.read(lock));
        storage.write(lock, "third");
        assertEquals(Optional.of("third"), storage.read(lock));
        assertEquals(Optional.empty(), storage.read(uri("landing/_sluice/none.lock")));
    }

    @Test
    void deleteRemovesEverythingBelowInBatchesAndNothingBeside() {
        for (int i = 0; i < 7; i++) {
            put("stage/events/part-" + i + ".parquet", "x");
        }
        put("stage/events2/keep.parquet", "x");
        S3Storage storage = storage();

        storage.delete(uri("stage/events"));
        storage.delete(uri("stage/absent"));

        assertEquals(List.of("stage/events2/keep.parquet"), server.keys(bucket));
        StorageException root = assertThrows(StorageException.class, () -> storage.delete(uri("")));
        assertTrue(root.getMessage().startsWith("refusing to delete everything in bucket " + bucket), root.getMessage());
    }

    @Test
    void aMissingBucketIsNamedWithTheSettingToCheck() {
        StorageException e = assertThrows(StorageException.class, () -> new S3Storage(
                b -> S3Clients.shared(S3ClientSettings.of(conf, bucket)), reached::add, 10, 10)
                .listFiles("s3a://no-such-bucket-here/landing"));
        assertTrue(e.getMessage().startsWith("cannot list s3a://no-such-bucket-here/landing: "), e.getMessage());
        assertTrue(e.getMessage().contains("the bucket does not exist or lives behind another endpoint"), e.getMessage());
    }

    @Test
    void objectsAboveTheThresholdAreCopiedInParts() throws Exception {
        byte[] data = new byte[11 * 1024 * 1024 + 17];
        new Random(7).nextBytes(data);
        server.client().putObject(b -> b.bucket(bucket).key("big/source.bin").contentType("application/x-test"),
                RequestBody.fromBytes(data));
        S3Client s3 = S3Clients.shared(S3ClientSettings.of(conf, bucket));
        String etag = s3.headObject(b -> b.bucket(bucket).key("big/source.bin")).eTag();
        ExecutorService parts = Executors.newFixedThreadPool(3);
        try {
            S3ObjectCopier copier = new S3ObjectCopier(s3, s3, 8L * 1024 * 1024, S3ObjectCopier.MIN_PART_SIZE, parts);
            String copied = copier.copy(S3Location.parse(uri("big/source.bin")), S3Location.parse(uri("big/copy.bin")),
                    data.length, etag);

            assertTrue(copied.endsWith("-3\""), "three parts: " + copied);
        } finally {
            parts.shutdown();
        }
        var head = s3.headObject(b -> b.bucket(bucket).key("big/copy.bin"));
        assertEquals(data.length, head.contentLength());
        assertEquals("application/x-test", head.contentType());
        assertTrue(S3ObjectCopier.isCopyOf(head.eTag(), head.metadata(), etag));
        assertArrayEquals(data, s3.getObjectAsBytes(b -> b.bucket(bucket).key("big/copy.bin")).asByteArray());
    }

    @Test
    void clientSettingsFollowTheS3aKeysWithPerBucketOverrides() {
        Configuration settings = new Configuration(false);
        settings.set("fs.s3a.endpoint", "s3.eu-west-1.amazonaws.com");
        settings.set("fs.s3a.bucket.local.endpoint", "127.0.0.1:9000");
        settings.set("fs.s3a.bucket.local.connection.ssl.enabled", "false");
        settings.set("fs.s3a.bucket.local.path.style.access", "true");
        settings.set("fs.s3a.bucket.local.access.key", "AKIAEXAMPLEKEY");
        settings.set("fs.s3a.bucket.local.secret.key", "do-not-print-me");

        S3ClientSettings aws = S3ClientSettings.of(settings, "lake");
        S3ClientSettings local = S3ClientSettings.of(settings, "local");

        assertEquals(new S3ClientSettings(Optional.empty(), Optional.of("eu-west-1"), false, Optional.empty()), aws);
        assertEquals(Optional.of(URI.create("http://127.0.0.1:9000")), local.endpoint());
        assertTrue(local.pathStyle());
        assertEquals("do-not-print-me", local.keys().orElseThrow().secretKey());
        assertFalse(local.toString().contains("do-not-print-me"), local.toString());
        assertFalse(local.toString().contains("AKIAEXAMPLEKEY"), local.toString());
    }
}
