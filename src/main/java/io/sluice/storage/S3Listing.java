package io.sluice.storage;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.util.ArrayList;
import java.util.List;

/**
 * The one way Sluice lists S3: ListObjectsV2 pages through the SDK's paginator, keys made relative to the
 * listed prefix. Failures surface as the SDK's exceptions; callers wrap them with the location they listed.
 */
public final class S3Listing {
    /** What is directly below a prefix: its sub-folders' names and its objects, by key relative to the prefix. */
    public record Children(List<String> folders, List<S3Object> objects) {
    }

    private S3Listing() {
    }

    /** Every object below {@code location}, recursively, in key order; at most {@code pageSize} keys a request. */
    public static Iterable<S3Object> objects(S3Client s3, S3Location location, int pageSize) {
        return s3.listObjectsV2Paginator(b -> b.bucket(location.bucket()).prefix(location.prefix()).maxKeys(pageSize))
                .contents();
    }

    /** The folders and objects directly below {@code location}; the prefix's own marker object is left out. */
    public static Children children(S3Client s3, S3Location location, int pageSize) {
        String prefix = location.prefix();
        List<String> folders = new ArrayList<>();
        List<S3Object> objects = new ArrayList<>();
        for (ListObjectsV2Response page : s3.listObjectsV2Paginator(b -> b.bucket(location.bucket()).prefix(prefix)
                .delimiter("/").maxKeys(pageSize))) {
            page.commonPrefixes().forEach(p -> folders.add(p.prefix().substring(prefix.length(),
                    p.prefix().length() - 1)));
            page.contents().stream().filter(o -> !o.key().equals(prefix)).forEach(objects::add);
        }
        return new Children(folders, objects);
    }
}
