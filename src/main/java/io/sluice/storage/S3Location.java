package io.sluice.storage;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

import static java.util.Objects.requireNonNull;

/**
 * A bucket and key named by an {@code s3://} or {@code s3a://} URI; the key is unescaped, so names with
 * spaces, {@code :}, {@code %}, {@code #} or accents map to the object S3 really holds.
 *
 * @param scheme {@code s3} or {@code s3a}, kept so URIs built from this location read back the same way
 * @param bucket bucket name
 * @param key object key or prefix, without a leading {@code /}; empty for the bucket's root
 */
public record S3Location(String scheme, String bucket, String key) {

    public S3Location {
        requireNonNull(scheme, "scheme is null");
        requireNonNull(bucket, "bucket is null");
        requireNonNull(key, "key is null");
    }

    /** Whether {@code uri} names an object store path this class understands. */
    public static boolean isS3(String uri) {
        String lower = uri.toLowerCase(Locale.ROOT);
        return lower.startsWith("s3://") || lower.startsWith("s3a://");
    }

    /** Parses {@code uri}; a URI that is not strictly valid (a raw space) is split by hand. */
    public static S3Location parse(String uri) {
        if (!isS3(uri)) {
            throw new StorageException(uri + " is not an s3:// or s3a:// URI");
        }
        try {
            URI parsed = new URI(uri);
            if (parsed.getAuthority() != null && parsed.getRawQuery() == null && parsed.getRawFragment() == null) {
                return of(parsed.getScheme(), parsed.getAuthority(), parsed.getPath());
            }
        } catch (URISyntaxException e) {
            // Written by hand with characters a URI escapes: split it below.
        }
        int schemeEnd = uri.indexOf("://");
        String rest = uri.substring(schemeEnd + 3);
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        if (bucket.isEmpty()) {
            throw new StorageException(uri + " names no bucket; write " + uri.substring(0, schemeEnd) + "://BUCKET/prefix");
        }
        return of(uri.substring(0, schemeEnd), bucket, slash < 0 ? "" : rest.substring(slash));
    }

    private static S3Location of(String scheme, String bucket, String path) {
        String key = path == null ? "" : path;
        while (key.startsWith("/")) {
            key = key.substring(1);
        }
        return new S3Location(scheme.toLowerCase(Locale.ROOT), bucket, key);
    }

    /** The key as a prefix for listing what lies below it: empty at the root, else ending with {@code /}. */
    public String prefix() {
        return key.isEmpty() || key.endsWith("/") ? key : key + "/";
    }

    /** This location's child {@code relative} ({@code /}-separated, unescaped). */
    public S3Location child(String relative) {
        return new S3Location(scheme, bucket, prefix() + relative);
    }

    /** The location of another key in the same bucket. */
    public S3Location withKey(String otherKey) {
        return new S3Location(scheme, bucket, otherKey);
    }

    /** The URI string, escaped as Hadoop's {@code Path} and {@link HadoopStorage#resolve} write it. */
    public String uri() {
        try {
            return new URI(scheme, bucket, "/" + key, null, null).toString();
        } catch (URISyntaxException e) {
            throw new StorageException("cannot build a URI for bucket " + bucket + " and key " + key, e);
        }
    }

    @Override
    public String toString() {
        return uri();
    }
}
