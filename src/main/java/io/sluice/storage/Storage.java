package io.sluice.storage;

import java.util.List;
import java.util.Optional;

/**
 * The few file operations Sluice needs, over local paths, {@code file:}, {@code s3a://}, {@code s3://}
 * (EMRFS) and {@code dbfs:/}. Every path is a URI string; failures are {@link StorageException}s that
 * name the path.
 */
public interface Storage {
    /** Every file below {@code dir}, recursively; empty when {@code dir} does not exist. */
    List<StoredFile> listFiles(String dir);

    /** The direct subdirectories of {@code dir}, as names; empty when it does not exist. */
    List<String> listDirectories(String dir);

    /** The names of every direct child of {@code dir}, files and directories alike; empty when it does not exist. */
    List<String> listNames(String dir);

    boolean exists(String path);

    /**
     * Moves {@code from} to {@code to}, creating parents. Idempotent: when {@code from} is gone and
     * {@code to} exists, the move already happened; when both exist (a copy-then-delete move that died
     * half-way), the source is removed.
     */
    void move(String from, String to);

    /** Creates {@code path} with {@code content} only if it does not exist; false when it does. */
    boolean createExclusive(String path, String content);

    /** Writes {@code content} to {@code path}, replacing it. */
    void write(String path, String content);

    /** The text of {@code path}, or empty when it does not exist. */
    Optional<String> read(String path);

    /** Deletes {@code path}, recursively; no-op when absent. */
    void delete(String path);

    /** {@code parent} joined with a relative path whose names may hold any character. */
    String resolve(String parent, String relativePath);
}
