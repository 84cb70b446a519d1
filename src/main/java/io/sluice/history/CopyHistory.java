package io.sluice.history;

import io.sluice.concurrency.BoundedPool;
import io.sluice.storage.S3Listing;
import io.sluice.storage.S3Location;
import io.sluice.storage.S3ObjectCopier;
import io.sluice.storage.S3Storage;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Copies history folders between buckets (or prefixes) with server-side copies, many in flight: no byte passes through
 * this machine. Resumable: an object already at the target with the same size and ETag (or, for copies made in parts,
 * the source's ETag in its metadata) is skipped. Each folder is listed again at the end and its count and bytes
 * compared with the source's. Never deletes anything.
 */
public final class CopyHistory {
    /** Keys a listing request asks for: S3's maximum. */
    private static final int PAGE_SIZE = 1000;

    /** Copy requests in flight by default. */
    public static final int CONCURRENCY_DEFAULT = 64;

    /**
     * What to copy and how.
     *
     * @param from source prefix
     * @param to target prefix
     * @param folders folders to copy; empty for every top-level folder of the source (and objects directly under it)
     * @param expectedFolders folders that must exist at the source; those absent are reported and fail the copy
     * @param concurrency copy requests in flight
     * @param multipartThreshold objects larger than this are copied in parts
     * @param partSize bytes of a part of a multipart copy
     */
    public record Options(S3Location from, S3Location to, List<String> folders, List<String> expectedFolders,
                          int concurrency, long multipartThreshold, long partSize) {
        public Options {
            requireNonNull(from, "from is null");
            requireNonNull(to, "to is null");
            folders = List.copyOf(folders);
            expectedFolders = List.copyOf(expectedFolders);
        }
    }

    private final S3Client source;
    private final S3Client target;
    private final Options options;
    private final Clock clock;
    private final Consumer<String> progress;

    /**
     * @param source client of the source bucket: lists and reads
     * @param target client of the target bucket: copies, lists and reads
     */
    public CopyHistory(S3Client source, S3Client target, Options options, Clock clock, Consumer<String> progress) {
        this.source = requireNonNull(source, "source is null");
        this.target = requireNonNull(target, "target is null");
        this.options = requireNonNull(options, "options is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    public CopyResult execute() {
        Instant started = clock.instant();
        ExecutorService requests = BoundedPool.fixed("copy", options.concurrency());
        ExecutorService parts = BoundedPool.fixed("copy-part", Math.max(2, options.concurrency() / 4));
        ExecutorService folders = BoundedPool.fixed("copy-folder", Math.max(1, Math.min(8, options.concurrency() / 8)));
        try {
            S3ObjectCopier copier = new S3ObjectCopier(source, target, options.multipartThreshold(), options.partSize(),
                    parts);
            List<String> units = options.folders().isEmpty() ? topLevel() : options.folders();
            List<CompletableFuture<FolderCopy>> running = units.stream()
                    .map(folder -> CompletableFuture.supplyAsync(() -> copyOrReport(folder, copier, requests), folders))
                    .toList();
            List<FolderCopy> copied = new ArrayList<>();
            for (CompletableFuture<FolderCopy> folder : running) {
                copied.add(folder.join());
            }
            Set<String> present = new LinkedHashSet<>();
            copied.stream().filter(f -> f.sourceObjects() > 0 || !f.problems().isEmpty()).forEach(f -> present.add(f.folder()));
            Set<String> expected = new LinkedHashSet<>(options.expectedFolders());
            expected.addAll(options.folders());
            List<String> missing = expected.stream().filter(name -> !present.contains(name)).toList();
            List<FolderCopy> withObjects = copied.stream().filter(f -> present.contains(f.folder()))
                    .sorted(java.util.Comparator.comparing(FolderCopy::folder)).toList();
            return new CopyResult(options.from().uri(), options.to().uri(), withObjects, missing,
                    Duration.between(started, clock.instant()));
        } finally {
            requests.shutdownNow();
            parts.shutdownNow();
            folders.shutdownNow();
        }
    }

    /** The source's top-level folders, and "" when objects lie directly under the prefix. */
    private List<String> topLevel() {
        List<String> names = new ArrayList<>();
        boolean loose;
        try {
            S3Listing.Children children = S3Listing.children(source, options.from(), PAGE_SIZE);
            names.addAll(children.folders());
            loose = !children.objects().isEmpty();
        } catch (SdkException e) {
            throw new io.sluice.storage.StorageException("cannot list " + options.from() + ": "
                    + S3Storage.describe(e), e);
        }
        if (loose) {
            names.add("");
        }
        return names;
    }

    /** A folder whose listing fails is reported as such; the other folders go on. */
    private FolderCopy copyOrReport(String folder, S3ObjectCopier copier, ExecutorService requests) {
        try {
            return copyFolder(folder, copier, requests);
        } catch (io.sluice.storage.StorageException e) {
            FolderCopy failed = new FolderCopy(folder, 0, 0, 0, 0, 0, 0, 0, List.of(e.getMessage()));
            progress.accept(line(failed));
            return failed;
        }
    }

    private FolderCopy copyFolder(String folder, S3ObjectCopier copier, ExecutorService requests) {
        S3Location from = folder.isEmpty() ? options.from() : options.from().child(folder);
        S3Location to = folder.isEmpty() ? options.to() : options.to().child(folder);
        boolean direct = folder.isEmpty();
        Map<String, S3Object> sources = list(source, from, direct);
        Map<String, S3Object> before = list(target, to, direct);
        AtomicLong copied = new AtomicLong();
        AtomicLong skipped = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Void>> copies = new ArrayList<>();
        for (Map.Entry<String, S3Object> entry : sources.entrySet()) {
            S3Object object = entry.getValue();
            S3Location sourceObject = from.withKey(object.key());
            S3Location targetObject = to.child(entry.getKey());
            copies.add(CompletableFuture.runAsync(() -> {
                try {
                    if (alreadyCopied(before.get(entry.getKey()), object, targetObject)) {
                        skipped.incrementAndGet();
                        return;
                    }
                    copier.copy(sourceObject, targetObject, object.size(), object.eTag());
                    copied.incrementAndGet();
                } catch (SdkException | io.sluice.storage.StorageException e) {
                    failed.incrementAndGet();
                    if (failures.size() < FolderCopy.SAMPLE) {
                        failures.add("copy of " + sourceObject + " failed: " + (e instanceof SdkException sdk
                                ? S3Storage.describe(sdk) : e.getMessage()));
                    }
                }
            }, requests));
        }
        copies.forEach(CompletableFuture::join);
        FolderCopy result = verify(folder, sources, list(target, to, direct), copied.get(), skipped.get(), failed.get(),
                new ArrayList<>(failures));
        progress.accept(line(result));
        return result;
    }

    /** Same size, and the same ETag or a multipart copy made from an object with that ETag. */
    private boolean alreadyCopied(S3Object existing, S3Object object, S3Location targetObject) {
        if (existing == null || !existing.size().equals(object.size())) {
            return false;
        }
        if (existing.eTag().equals(object.eTag())) {
            return true;
        }
        HeadObjectResponse head = target.headObject(b -> b.bucket(targetObject.bucket()).key(targetObject.key()));
        return S3ObjectCopier.isCopyOf(head.eTag(), head.metadata(), object.eTag());
    }

    private static FolderCopy verify(String folder, Map<String, S3Object> sources, Map<String, S3Object> after,
                                     long copied, long skipped, long failed, List<String> problems) {
        long sourceBytes = 0;
        long objects = 0;
        long bytes = 0;
        List<String> absent = new ArrayList<>();
        List<String> resized = new ArrayList<>();
        for (Map.Entry<String, S3Object> entry : sources.entrySet()) {
            sourceBytes += entry.getValue().size();
            S3Object copy = after.get(entry.getKey());
            if (copy == null) {
                absent.add(entry.getKey());
            } else if (!copy.size().equals(entry.getValue().size())) {
                resized.add(entry.getKey() + " (" + copy.size() + " bytes, source " + entry.getValue().size() + ")");
            } else {
                objects++;
                bytes += copy.size();
            }
        }
        if (!absent.isEmpty()) {
            problems.add(absent.size() + " object(s) missing at the target: " + sample(absent));
        }
        if (!resized.isEmpty()) {
            problems.add(resized.size() + " object(s) with another size at the target: " + sample(resized));
        }
        return new FolderCopy(folder, sources.size(), sourceBytes, copied, skipped, failed, objects, bytes, problems);
    }

    private static String sample(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(FolderCopy.SAMPLE, names.size())))
                + (names.size() > FolderCopy.SAMPLE ? ", ..." : "");
    }

    /** Objects below {@code location} by key relative to it; only those directly under it when {@code direct}. */
    private static Map<String, S3Object> list(S3Client s3, S3Location location, boolean direct) {
        String prefix = location.prefix();
        Map<String, S3Object> objects = new TreeMap<>();
        try {
            Iterable<S3Object> listed = direct ? S3Listing.children(s3, location, PAGE_SIZE).objects()
                    : S3Listing.objects(s3, location, PAGE_SIZE);
            for (S3Object object : listed) {
                String relative = object.key().substring(prefix.length());
                if (!relative.isEmpty() && !relative.endsWith("/")) {
                    objects.put(relative, object);
                }
            }
        } catch (SdkException e) {
            throw new io.sluice.storage.StorageException("cannot list " + location + ": " + S3Storage.describe(e), e);
        }
        return objects;
    }

    private static String line(FolderCopy folder) {
        return String.format("%-24s %d objects, %d bytes: %d copied, %d already there, %d failed; target %d objects,"
                        + " %d bytes%s", folder.label(), folder.sourceObjects(), folder.sourceBytes(), folder.copied(),
                folder.skipped(), folder.failed(), folder.targetObjects(), folder.targetBytes(),
                folder.complete() ? "" : " INCOMPLETE");
    }
}
