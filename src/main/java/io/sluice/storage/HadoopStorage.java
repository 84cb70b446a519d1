package io.sluice.storage;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.RemoteIterator;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** {@link Storage} over Hadoop's FileSystem: whatever scheme the cluster has a FileSystem for. */
public final class HadoopStorage implements Storage {
    private final Configuration conf;

    public HadoopStorage(Configuration conf) {
        this.conf = requireNonNull(conf, "conf is null");
    }

    /** A Hadoop path from a URI string or a plain local path, without Path's string parsing of ':'. */
    public static Path path(String uri) {
        try {
            URI parsed = new URI(uri);
            if (parsed.getScheme() != null && parsed.getScheme().length() > 1) {
                return new Path(parsed);
            }
        } catch (URISyntaxException e) {
            // A plain local path with characters a URI would escape: build it below.
        }
        return new Path(new java.io.File(uri).getAbsoluteFile().toURI());
    }

    /**
     * The file system of {@code path}; for local disks the raw one, because the checksum layer builds
     * {@code .name.crc} paths from strings and breaks on names with ':'.
     */
    public static FileSystem fileSystem(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
    }

    /** The URI string of {@code path}, as {@link #path(String)} reads it back. */
    public static String uri(Path path) {
        return path.toUri().toString();
    }

    @Override
    public List<StoredFile> listFiles(String dir) {
        Path root = path(dir);
        List<StoredFile> files = new ArrayList<>();
        try {
            FileSystem fs = fileSystem(root, conf);
            if (!fs.exists(root)) {
                return files;
            }
            String rootPath = fs.makeQualified(root).toUri().getPath();
            String prefix = rootPath.endsWith("/") ? rootPath : rootPath + "/";
            for (FileStatus status : walk(fs, root)) {
                String filePath = status.getPath().toUri().getPath();
                String relative = filePath.startsWith(prefix) ? filePath.substring(prefix.length()) : filePath;
                files.add(new StoredFile(uri(status.getPath()), relative, status.getLen(),
                        status.getModificationTime()));
            }
        } catch (FileNotFoundException e) {
            return files;
        } catch (IOException e) {
            throw new StorageException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        files.sort(Comparator.comparing(StoredFile::relativePath));
        return files;
    }

    /**
     * Every file under {@code root}. Object stores list a whole tree in one paged pass ({@code listFiles}); on a local
     * disk that call builds each file's {@link LocatedFileStatus} with its permissions, which the raw local file
     * system reads by running {@code ls} once per file (4.5 s for 2,000 files), so there the tree is walked with
     * {@code listStatus}, which reads no permissions.
     */
    private static List<FileStatus> walk(FileSystem fs, Path root) throws IOException {
        List<FileStatus> files = new ArrayList<>();
        if (!(fs instanceof RawLocalFileSystem)) {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
            while (it.hasNext()) {
                files.add(it.next());
            }
            return files;
        }
        ArrayDeque<Path> dirs = new ArrayDeque<>(List.of(root));
        while (!dirs.isEmpty()) {
            for (FileStatus status : fs.listStatus(dirs.pop())) {
                if (status.isDirectory()) {
                    dirs.push(status.getPath());
                } else {
                    files.add(status);
                }
            }
        }
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

    /** Names directly under {@code dir}, sorted; only directories when {@code directoriesOnly}. */
    private List<String> names(String dir, boolean directoriesOnly) {
        Path root = path(dir);
        List<String> names = new ArrayList<>();
        try {
            for (FileStatus status : fileSystem(root, conf).listStatus(root)) {
                if (!directoriesOnly || status.isDirectory()) {
                    names.add(status.getPath().getName());
                }
            }
        } catch (FileNotFoundException e) {
            return names;
        } catch (IOException e) {
            throw new StorageException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        names.sort(String::compareTo);
        return names;
    }

    @Override
    public boolean exists(String uri) {
        Path p = path(uri);
        try {
            return fileSystem(p, conf).exists(p);
        } catch (IOException e) {
            throw new StorageException("cannot check " + uri + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void move(String from, String to) {
        Path source = path(from);
        Path target = path(to);
        try {
            FileSystem fs = fileSystem(source, conf);
            boolean sourceExists = fs.exists(source);
            boolean targetExists = fs.exists(target);
            if (!sourceExists && targetExists) {
                return;
            }
            if (sourceExists && targetExists) {
                if (fs.getFileStatus(source).getLen() != fs.getFileStatus(target).getLen()) {
                    throw new StorageException("cannot move " + from + ": " + to + " already exists with another"
                            + " size; compare the two files and remove the wrong one");
                }
                fs.delete(source, false);
                return;
            }
            if (!sourceExists) {
                throw new StorageException("cannot move " + from + ": it does not exist, nor does " + to);
            }
            fs.mkdirs(target.getParent());
            if (!fs.rename(source, target)) {
                throw new StorageException("cannot move " + from + " to " + to + ": the file system refused the"
                        + " rename");
            }
        } catch (IOException e) {
            throw new StorageException("cannot move " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean createExclusive(String uri, String content) {
        Path p = path(uri);
        try {
            FileSystem fs = fileSystem(p, conf);
            fs.mkdirs(p.getParent());
            if (fs instanceof RawLocalFileSystem local) {
                return createLocalExclusive(local.pathToFile(p).toPath(), content);
            }
            try (FSDataOutputStream out = fs.create(p, false)) {
                out.write(content.getBytes(StandardCharsets.UTF_8));
            }
            return true;
        } catch (FileAlreadyExistsException | java.nio.file.FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            if (exists(uri)) {
                return false;
            }
            throw new StorageException("cannot create " + uri + ": " + e.getMessage(), e);
        }
    }

    /**
     * Hadoop's local {@code create(path, false)} checks, then creates: two processes can both pass. A hard link
     * to a complete temporary file is atomic and fails when the name exists, so exactly one creator wins and
     * no reader ever sees a half-written file.
     */
    private static boolean createLocalExclusive(java.nio.file.Path target, String content) throws IOException {
        java.nio.file.Path temporary = java.nio.file.Files.createTempFile(target.getParent(), ".create-", ".tmp");
        try {
            java.nio.file.Files.writeString(temporary, content);
            java.nio.file.Files.createLink(target, temporary);
            return true;
        } finally {
            java.nio.file.Files.deleteIfExists(temporary);
        }
    }

    /** A complete temporary file moved over the target: a reader sees the old content or the new, never a part. */
    private static void replaceLocal(java.nio.file.Path target, String content) throws IOException {
        java.nio.file.Path temporary = java.nio.file.Files.createTempFile(target.getParent(), ".write-", ".tmp");
        try {
            java.nio.file.Files.writeString(temporary, content);
            java.nio.file.Files.move(temporary, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            java.nio.file.Files.deleteIfExists(temporary);
        }
    }

    @Override
    public void write(String uri, String content) {
        Path p = path(uri);
        try {
            FileSystem fs = fileSystem(p, conf);
            fs.mkdirs(p.getParent());
            if (fs instanceof RawLocalFileSystem local) {
                replaceLocal(local.pathToFile(p).toPath(), content);
                return;
            }
            try (FSDataOutputStream out = fs.create(p, true)) {
                out.write(content.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new StorageException("cannot write " + uri + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<String> read(String uri) {
        Path p = path(uri);
        try (InputStream in = fileSystem(p, conf).open(p)) {
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException("cannot read " + uri + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String uri) {
        Path p = path(uri);
        try {
            fileSystem(p, conf).delete(p, true);
        } catch (IOException e) {
            throw new StorageException("cannot delete " + uri + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String resolve(String parent, String relativePath) {
        URI base = path(parent).toUri();
        String basePath = base.getPath().endsWith("/") ? base.getPath() : base.getPath() + "/";
        try {
            return new URI(base.getScheme(), base.getAuthority(), basePath + relativePath, null, null).toString();
        } catch (URISyntaxException e) {
            throw new StorageException("cannot join " + parent + " and " + relativePath + ": " + e.getMessage(), e);
        }
    }
}
