package io.sluice.storage;

import org.apache.hadoop.conf.Configuration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * {@link Storage} over the AWS SDK for {@code s3://} and {@code s3a://} paths: moves are a server-side copy then a
 * delete, deletes go 1000 keys a request, listings page through ListObjectsV2, and {@link #createExclusive} is a
 * conditional put ({@code If-None-Match: *}), atomic on S3 since 2024. Directory markers ({@code key/}) that s3a
 * leaves are not files.
 */
public final class S3Storage implements Storage {
    /** Checkpoint reached by a move after the copy and before the delete: where a crash leaves a file twice. */
    public static final String MOVE_COPIED = "storage.moveCopied";
    /** Keys a ListObjectsV2 page returns: S3's maximum. */
    public static final int PAGE_SIZE_DEFAULT = 1000;
    /** Keys a DeleteObjects request removes: S3's maximum. */
    public static final int DELETE_BATCH_DEFAULT = 1000;

    private final Function<String, S3Client> clients;
    private final Consumer<String> checkpoints;
    private final int pageSize;
    private final int deleteBatch;
    private volatile boolean conditionalWrites = true;

    /**
     * @param clients the client of a bucket
     * @param checkpoints told when a move reaches {@link #MOVE_COPIED}
     * @param pageSize keys per listing request
     * @param deleteBatch keys per delete request
     */
    public S3Storage(Function<String, S3Client> clients, Consumer<String> checkpoints, int pageSize, int deleteBatch) {
        this.clients = requireNonNull(clients, "clients is null");
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        if (pageSize < 1 || pageSize > PAGE_SIZE_DEFAULT || deleteBatch < 1 || deleteBatch > DELETE_BATCH_DEFAULT) {
            throw new IllegalArgumentException("page size and delete batch must be between 1 and 1000");
        }
        this.pageSize = pageSize;
        this.deleteBatch = deleteBatch;
    }

    /** Storage whose clients follow the s3a settings of {@code conf}, shared across the JVM. */
    public static S3Storage of(Configuration conf, Consumer<String> checkpoints) {
        Configuration copy = new Configuration(conf);
        Map<String, S3Client> byBucket = new ConcurrentHashMap<>();
        return new S3Storage(bucket -> byBucket.computeIfAbsent(bucket,
                b -> S3Clients.shared(S3ClientSettings.of(copy, b))), checkpoints, PAGE_SIZE_DEFAULT, DELETE_BATCH_DEFAULT);
    }

    private S3Client client(S3Location location) {
        return clients.apply(location.bucket());
    }

    @Override
    public List<StoredFile> listFiles(String dir) {
        S3Location root = S3Location.parse(dir);
        String prefix = root.prefix();
        List<StoredFile> files = new ArrayList<>();
        try {
            for (S3Object object : S3Listing.objects(client(root), root, pageSize)) {
                if (!object.key().endsWith("/")) {
                    files.add(new StoredFile(root.withKey(object.key()).uri(), object.key().substring(prefix.length()),
                            object.size(), object.lastModified().toEpochMilli()));
                }
            }
        } catch (SdkException e) {
            throw failure("list", dir, e);
        }
        files.sort(Comparator.comparing(StoredFile::relativePath));
        return files;
    }

    @Override
    public List<String> listDirectories(String dir) {
        return names(dir, true);
    }

    @Override
    public List<String> listNames(String dir) {
        return names(dir, false);
    }

    private List<String> names(String dir, boolean directoriesOnly) {
        S3Location root = S3Location.parse(dir);
        String prefix = root.prefix();
        List<String> names = new ArrayList<>();
        try {
            S3Listing.Children children = S3Listing.children(client(root), root, pageSize);
            names.addAll(children.folders());
            if (!directoriesOnly) {
                children.objects().forEach(o -> names.add(o.key().substring(prefix.length())));
            }
        } catch (SdkException e) {
            throw failure("list", dir, e);
        }
        names.sort(String::compareTo);
        return names;
    }

    @Override
    public boolean exists(String uri) {
        S3Location location = S3Location.parse(uri);
        try {
            if (!location.key().isEmpty() && head(location).isPresent()) {
                return true;
            }
            return client(location).listObjectsV2(b -> b.bucket(location.bucket()).prefix(location.prefix())
                    .maxKeys(1)).keyCount() > 0;
        } catch (SdkException e) {
            throw failure("check", uri, e);
        }
    }

    private Optional<HeadObjectResponse> head(S3Location location) {
        try {
            return Optional.of(client(location).headObject(b -> b.bucket(location.bucket()).key(location.key())));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && !(e instanceof NoSuchBucketException)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public void move(String from, String to) {
        S3Location source = S3Location.parse(from);
        S3Location target = S3Location.parse(to);
        try {
            Optional<HeadObjectResponse> sourceHead = head(source);
            Optional<HeadObjectResponse> targetHead = head(target);
            if (sourceHead.isEmpty() && targetHead.isPresent()) {
                return;
            }
            if (sourceHead.isEmpty()) {
                throw new StorageException("cannot move " + from + ": it does not exist, nor does " + to);
            }
            if (targetHead.isPresent()) {
                if (!sourceHead.get().contentLength().equals(targetHead.get().contentLength())) {
                    throw new StorageException("cannot move " + from + ": " + to + " already exists with another"
                            + " size; compare the two files and remove the wrong one");
                }
            } else {
                S3ObjectCopier.sequential(client(target)).copy(source, target, sourceHead.get().contentLength(),
                        sourceHead.get().eTag());
                checkpoints.accept(MOVE_COPIED);
            }
            client(source).deleteObject(b -> b.bucket(source.bucket()).key(source.key()));
        } catch (SdkException e) {
            throw new StorageException("cannot move " + from + " to " + to + ": " + describe(e), e);
        }
    }

    @Override
    public boolean createExclusive(String uri, String content) {
        S3Location location = S3Location.parse(uri);
        try {
            if (!conditionalWrites) {
                // A store without conditional writes: check then put, which two racing runs can both pass.
                if (head(location).isPresent()) {
                    return false;
                }
                put(location, content, false);
                return true;
            }
            put(location, content, true);
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return false;
            }
            if (e.statusCode() == 501 && conditionalWrites) {
                conditionalWrites = false;
                return createExclusive(uri, content);
            }
            throw failure("create", uri, e);
        } catch (SdkException e) {
            throw failure("create", uri, e);
        }
    }

    private void put(S3Location location, String content, boolean onlyIfAbsent) {
        client(location).putObject(b -> {
            b.bucket(location.bucket()).key(location.key());
            if (onlyIfAbsent) {
                b.ifNoneMatch("*");
            }
        }, RequestBody.fromString(content, StandardCharsets.UTF_8));
    }

    @Override
    public void write(String uri, String content) {
        S3Location location = S3Location.parse(uri);
        try {
            put(location, content, false);
        } catch (SdkException e) {
            throw failure("write", uri, e);
        }
    }

    @Override
    public Optional<String> read(String uri) {
        S3Location location = S3Location.parse(uri);
        try {
            return Optional.of(client(location).getObjectAsBytes(b -> b.bucket(location.bucket()).key(location.key()))
                    .asUtf8String());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failure("read", uri, e);
        }
    }

    @Override
    public void delete(String uri) {
        S3Location location = S3Location.parse(uri);
        if (location.key().isEmpty()) {
            throw new StorageException("refusing to delete everything in bucket " + location.bucket() + " (" + uri
                    + "); delete a prefix below it");
        }
        S3Client s3 = client(location);
        try {
            List<String> keys = new ArrayList<>();
            if (head(location).isPresent()) {
                keys.add(location.key());
            }
            for (S3Object object : S3Listing.objects(s3, location, pageSize)) {
                keys.add(object.key());
                if (keys.size() == deleteBatch) {
                    deleteKeys(s3, location, keys);
                    keys.clear();
                }
            }
            if (!keys.isEmpty()) {
                deleteKeys(s3, location, keys);
            }
        } catch (SdkException e) {
            throw failure("delete", uri, e);
        }
    }

    private void deleteKeys(S3Client s3, S3Location location, List<String> keys) {
        List<ObjectIdentifier> objects = keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
        DeleteObjectsResponse response = s3.deleteObjects(b -> b.bucket(location.bucket())
                .delete(d -> d.objects(objects).quiet(true)));
        if (response.hasErrors() && !response.errors().isEmpty()) {
            var first = response.errors().get(0);
            throw new StorageException("cannot delete " + response.errors().size() + " of " + keys.size()
                    + " objects under " + location + ", e.g. " + location.withKey(first.key()) + ": " + first.code()
                    + " " + first.message());
        }
    }

    @Override
    public String resolve(String parent, String relativePath) {
        return S3Location.parse(parent).child(relativePath).uri();
    }

    private static StorageException failure(String operation, String uri, SdkException e) {
        return new StorageException("cannot " + operation + " " + uri + ": " + describe(e), e);
    }

    /** The SDK's message, with what to check when S3 says the bucket is missing or the access is denied. */
    public static String describe(SdkException e) {
        String message = e.getMessage();
        if (e instanceof NoSuchBucketException) {
            return message + "; the bucket does not exist or lives behind another endpoint (fs.s3a.endpoint)";
        }
        if (e instanceof S3Exception s3 && s3.statusCode() == 403) {
            return message + "; the credentials lack a permission on this bucket (see the README's IAM section)";
        }
        return message;
    }
}
