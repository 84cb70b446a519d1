package io.sluice.storage;

import org.apache.hadoop.conf.Configuration;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Picks the storage of each path by its scheme: {@code s3://} and {@code s3a://} go to {@link S3Storage} (the AWS SDK:
 * server-side copies, batched deletes, conditional puts), everything else (local paths, {@code file:}, {@code hdfs:},
 * {@code dbfs:/}) to {@link HadoopStorage}.
 */
public final class Storages implements Storage {
    /**
     * Hadoop setting ({@code spark.hadoop.sluice.storage.s3} in a config's {@code spark:} block) that sends S3 paths
     * through Hadoop's FileSystem instead of the SDK: {@code sdk} (default) or {@code hadoop}, for platforms whose S3
     * credentials only the FileSystem knows (Unity Catalog's vended credentials, for one).
     */
    public static final String S3_CLIENT = "sluice.storage.s3";

    private final HadoopStorage hadoop;
    private final Optional<S3Storage> s3;

    private Storages(HadoopStorage hadoop, Optional<S3Storage> s3) {
        this.hadoop = requireNonNull(hadoop, "hadoop is null");
        this.s3 = requireNonNull(s3, "s3 is null");
    }

    /**
     * The storage of a run.
     *
     * @param conf the session's Hadoop configuration: file systems, s3a endpoints and regions
     * @param checkpoints told of named points inside storage operations (see {@link S3Storage#MOVE_COPIED})
     */
    public static Storage open(Configuration conf, Consumer<String> checkpoints) {
        String client = conf.getTrimmed(S3_CLIENT, "sdk").toLowerCase(Locale.ROOT);
        if (!client.equals("sdk") && !client.equals("hadoop")) {
            throw new StorageException(S3_CLIENT + " is '" + client + "'; use 'sdk' (the default) or 'hadoop'");
        }
        return new Storages(new HadoopStorage(conf),
                client.equals("sdk") ? Optional.of(S3Storage.of(conf, checkpoints)) : Optional.empty());
    }

    private Storage of(String uri) {
        return s3.isPresent() && S3Location.isS3(uri) ? s3.get() : hadoop;
    }

    @Override
    public List<StoredFile> listFiles(String dir) {
        return of(dir).listFiles(dir);
    }

    @Override
    public List<String> listDirectories(String dir) {
        return of(dir).listDirectories(dir);
    }

    @Override
    public List<String> listNames(String dir) {
        return of(dir).listNames(dir);
    }

    @Override
    public boolean exists(String path) {
        return of(path).exists(path);
    }

    @Override
    public void move(String from, String to) {
        Storage storage = of(from);
        if (storage != of(to)) {
            throw new StorageException("cannot move " + from + " to " + to + ": they are on different storages;"
                    + " keep landing's pending/ and processed/ under one root");
        }
        storage.move(from, to);
    }

    @Override
    public boolean createExclusive(String path, String content) {
        return of(path).createExclusive(path, content);
    }

    @Override
    public void write(String path, String content) {
        of(path).write(path, content);
    }

    @Override
    public Optional<String> read(String path) {
        return of(path).read(path);
    }

    @Override
    public void delete(String path) {
        of(path).delete(path);
    }

    @Override
    public String resolve(String parent, String relativePath) {
        return of(parent).resolve(parent, relativePath);
    }
}
