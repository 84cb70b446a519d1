package io.sluice.bench;

import io.sluice.concurrency.BoundedPool;
import io.sluice.lake.Checkpoints;
import io.sluice.steps.LandingMoves;
import io.sluice.storage.S3ClientSettings;
import io.sluice.storage.S3Clients;
import io.sluice.storage.S3Location;
import io.sluice.storage.S3Storage;
import io.sluice.storage.StoredFile;
import org.apache.hadoop.conf.Configuration;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * The per-file storage work of one parse batch on S3, without Spark ({@code submit/bench.sh --moves N}): puts N small
 * files into {@code <landing>/pending/}, lists them in one paged pass, then times what {@code parse} does per file
 * with {@code parse.moveConcurrency} = C: the look-up of where each file is and its move to
 * {@code <landing>/processed/}. Checks that every file ended in processed and none stayed in pending, and prints
 * one line of figures. The S3 endpoint comes from the arguments, the credentials from the SDK's default chain
 * (e.g. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
 */
public final class MoveLandingFiles {
    /** Files put at once while preparing: the preparation is not what is measured. */
    private static final int PUT_CONCURRENCY = 32;

    private MoveLandingFiles() {
    }

    /** Arguments: the landing URI (s3a://bucket/prefix, replaced), the number of files, C, the S3 endpoint. */
    public static void main(String[] args) {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: MoveLandingFiles <s3a://bucket/landing> <files> <concurrency>"
                    + " <endpoint>");
        }
        String landing = args[0];
        int files = Integer.parseInt(args[1]);
        int concurrency = Integer.parseInt(args[2]);
        S3Location location = S3Location.parse(landing);
        Configuration conf = new Configuration(false);
        conf.set("fs.s3a.endpoint", args[3]);
        conf.set("fs.s3a.endpoint.region", "us-east-1");
        conf.set("fs.s3a.path.style.access", "true");
        S3Client client = S3Clients.shared(S3ClientSettings.of(conf, location.bucket()));
        try {
            client.createBucket(b -> b.bucket(location.bucket()));
        } catch (BucketAlreadyOwnedByYouException e) {
            // A bucket left by an earlier run: its landing prefix is replaced below.
        }
        S3Storage storage = S3Storage.of(conf, name -> { });
        storage.delete(landing);
        String pending = storage.resolve(landing, "pending");
        String processed = storage.resolve(landing, "processed/date=2024-03-01");

        List<String> names = IntStream.rangeClosed(1, files).mapToObj(n -> String.format(Locale.ROOT,
                "part-%05d.json", n)).toList();
        BoundedPool.map("put", PUT_CONCURRENCY, names, name -> {
            storage.write(storage.resolve(pending, name), "{\"event_id\":\"" + name + "\",\"timestamp\":"
                    + "\"2024-03-01T10:00:00Z\",\"domain\":\"a\",\"event_type\":\"b\",\"data\":{}}\n");
            return name;
        });

        long started = System.nanoTime();
        List<StoredFile> listed = storage.listFiles(pending);
        long listMillis = millisSince(started);
        check(listed.size() == files, "listed " + listed.size() + " of " + files + " files in " + pending);

        LandingMoves moves = new LandingMoves(storage, concurrency, Checkpoints.NONE, line -> { });
        List<String> relative = listed.stream().map(StoredFile::relativePath).toList();
        started = System.nanoTime();
        long found = moves.locate(relative, pending, processed).stream().filter(l -> l.isPresent()).count();
        long locateMillis = millisSince(started);
        check(found == files, "found " + found + " of " + files + " files");
        started = System.nanoTime();
        long moved = moves.moveAll(relative, pending, processed);
        long moveMillis = millisSince(started);

        check(moved == files, "moved " + moved + " of " + files + " files");
        check(storage.listFiles(pending).isEmpty(), "files stayed in " + pending);
        check(storage.listFiles(processed).size() == files, "not every file is in " + processed);
        System.out.printf(Locale.ROOT, "moves files=%d concurrency=%d listMillis=%d locateMillis=%d moveMillis=%d"
                + " movesPerSecond=%.0f%n", files, concurrency, listMillis, locateMillis, moveMillis,
                files * 1000.0 / Math.max(1, moveMillis));
        storage.delete(landing);
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static void check(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalStateException(problem);
        }
    }
}
