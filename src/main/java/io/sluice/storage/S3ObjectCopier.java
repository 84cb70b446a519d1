package io.sluice.storage;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.UploadPartCopyResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import static java.util.Objects.requireNonNull;

/**
 * Server-side copies of one object: a single CopyObject up to the threshold, a multipart copy (UploadPartCopy)
 * above it. The bytes never pass through this machine.
 */
public final class S3ObjectCopier {
    /** CopyObject's own limit: larger objects must be copied in parts. */
    public static final long MULTIPART_THRESHOLD_DEFAULT = 5L * 1024 * 1024 * 1024;
    /** Size of a copied part; raised when an object would need more than {@value #MAX_PARTS} parts. */
    public static final long PART_SIZE_DEFAULT = 512L * 1024 * 1024;
    /** S3's smallest part but the last. */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    /** S3's largest number of parts of an upload. */
    public static final int MAX_PARTS = 10_000;
    /**
     * User metadata a multipart copy carries: the source's ETag, since the copy's own ETag (the hash of its parts)
     * differs from it. What makes a resumed copy recognise its earlier work.
     */
    public static final String SOURCE_ETAG_METADATA = "sluice-source-etag";

    private final S3Client source;
    private final S3Client s3;
    private final long multipartThreshold;
    private final long partSize;
    private final Executor parts;

    /**
     * @param source client of the source bucket, for reading its metadata
     * @param target client of the target bucket, which performs the copies
     * @param multipartThreshold objects larger than this are copied in parts, at most 5 GiB
     * @param partSize bytes of a part, at least 5 MiB
     * @param parts where the parts of one object are copied; parts run one after the other on a direct executor
     */
    public S3ObjectCopier(S3Client source, S3Client target, long multipartThreshold, long partSize, Executor parts) {
        this.source = requireNonNull(source, "source is null");
        this.s3 = requireNonNull(target, "target is null");
        if (multipartThreshold < 1 || multipartThreshold > MULTIPART_THRESHOLD_DEFAULT) {
            throw new IllegalArgumentException("the multipart threshold must be between 1 byte and 5 GiB, got "
                    + multipartThreshold);
        }
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("a part must be at least 5 MiB, got " + partSize + " bytes");
        }
        this.multipartThreshold = multipartThreshold;
        this.partSize = partSize;
        this.parts = requireNonNull(parts, "parts is null");
    }

    /** A copier with the defaults, copying the parts of an object one after the other. */
    public static S3ObjectCopier sequential(S3Client s3) {
        return new S3ObjectCopier(s3, s3, MULTIPART_THRESHOLD_DEFAULT, PART_SIZE_DEFAULT, Runnable::run);
    }

    /**
     * Copies {@code from} ({@code size} bytes, ETag {@code sourceEtag}) to {@code to}, replacing it.
     *
     * @return the ETag of the copy
     */
    public String copy(S3Location from, S3Location to, long size, String sourceEtag) {
        if (size > multipartThreshold) {
            return copyInParts(from, to, size, sourceEtag);
        }
        if (!sourceEtag.contains("-")) {
            // A single-part source: the copy keeps its ETag, which is all a resumed copy compares.
            return s3.copyObject(b -> b.sourceBucket(from.bucket()).sourceKey(from.key())
                    .destinationBucket(to.bucket()).destinationKey(to.key())
                    .copySourceIfMatch(sourceEtag)).copyObjectResult().eTag();
        }
        // A source uploaded in parts: its copy gets another ETag, so it carries the source's in its metadata.
        HeadObjectResponse head = headSource(from, sourceEtag);
        return s3.copyObject(b -> b.sourceBucket(from.bucket()).sourceKey(from.key())
                .destinationBucket(to.bucket()).destinationKey(to.key()).copySourceIfMatch(sourceEtag)
                .metadataDirective(MetadataDirective.REPLACE).metadata(withSourceEtag(head, sourceEtag))
                .contentType(head.contentType()).contentEncoding(head.contentEncoding())
                .cacheControl(head.cacheControl()).contentDisposition(head.contentDisposition()))
                .copyObjectResult().eTag();
    }

    private HeadObjectResponse headSource(S3Location from, String sourceEtag) {
        return source.headObject(b -> b.bucket(from.bucket()).key(from.key()).ifMatch(sourceEtag));
    }

    private static Map<String, String> withSourceEtag(HeadObjectResponse head, String sourceEtag) {
        Map<String, String> metadata = new HashMap<>(head.metadata());
        metadata.put(SOURCE_ETAG_METADATA, sourceEtag);
        return metadata;
    }

    /** Whether an object with this ETag and user metadata is a copy of a source whose ETag is {@code sourceEtag}. */
    public static boolean isCopyOf(String targetEtag, Map<String, String> targetMetadata, String sourceEtag) {
        return targetEtag.equals(sourceEtag) || sourceEtag.equals(targetMetadata.get(SOURCE_ETAG_METADATA));
    }

    private String copyInParts(S3Location from, S3Location to, long size, String sourceEtag) {
        HeadObjectResponse head = headSource(from, sourceEtag);
        String uploadId = s3.createMultipartUpload(b -> b.bucket(to.bucket()).key(to.key())
                .metadata(withSourceEtag(head, sourceEtag)).contentType(head.contentType())
                .contentEncoding(head.contentEncoding()).cacheControl(head.cacheControl())
                .contentDisposition(head.contentDisposition())).uploadId();
        try {
            long part = partSizeFor(size);
            List<CompletableFuture<CompletedPart>> futures = new ArrayList<>();
            for (long start = 0, number = 1; start < size; start += part, number++) {
                long first = start;
                long last = Math.min(size, start + part) - 1;
                int partNumber = (int) number;
                futures.add(CompletableFuture.supplyAsync(() -> {
                    UploadPartCopyResponse copied = s3.uploadPartCopy(b -> b.sourceBucket(from.bucket())
                            .sourceKey(from.key()).destinationBucket(to.bucket()).destinationKey(to.key())
                            .uploadId(uploadId).partNumber(partNumber).copySourceRange("bytes=" + first + "-" + last)
                            .copySourceIfMatch(sourceEtag));
                    return CompletedPart.builder().partNumber(partNumber).eTag(copied.copyPartResult().eTag()).build();
                }, parts));
            }
            List<CompletedPart> completed = new ArrayList<>();
            for (CompletableFuture<CompletedPart> future : futures) {
                completed.add(future.join());
            }
            return s3.completeMultipartUpload(b -> b.bucket(to.bucket()).key(to.key()).uploadId(uploadId)
                    .multipartUpload(u -> u.parts(completed))).eTag();
        } catch (RuntimeException e) {
            abortQuietly(to, uploadId, e);
            throw e instanceof CompletionException && e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /** Aborts an upload that failed, so its parts stop costing storage; a failed abort is added to {@code failure}. */
    private void abortQuietly(S3Location to, String uploadId, RuntimeException failure) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(to.bucket()).key(to.key()).uploadId(uploadId));
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** The part size a copy of {@code size} bytes uses. */
    long partSizeFor(long size) {
        return Math.max(partSize, (size + MAX_PARTS - 1) / MAX_PARTS);
    }
}
