package io.sluice.storage;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FsConstants;
import org.apache.hadoop.fs.FsServerDefaults;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.local.LocalConfigKeys;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Hadoop's local file system ({@code file:}), setting permissions and telling links from files through
 * {@code java.nio} instead of a forked {@code chmod} or {@code readlink}.
 * <p>
 * Without Hadoop's native library — the usual case outside a Hadoop cluster — {@link RawLocalFileSystem} runs
 * {@code chmod} as a child process for every file and directory it creates, and again for each checksum file. A
 * Delta or Parquet write into thousands of partitions spends most of its time there: thread dumps of a local
 * {@code distribute} into ~6,000 partitions showed the writing tasks in {@code Shell.runCommand} in 15 of 16
 * samples. Setting the same permission bits through the JDK gives the same files at the cost of a system call.
 * Where the JDK cannot (a file system without POSIX permissions), or where the native library is loaded, Hadoop's own
 * way is used. Renames through Hadoop's {@code FileContext}, the API Delta writes its log with, ask for the status of
 * both paths without following links, which Hadoop answers by running {@code readlink} for each: ten child processes
 * per Delta commit. {@link Context} is this file system for {@code FileContext}
 * ({@code fs.AbstractFileSystem.file.impl}).
 * <p>
 * It writes no checksum files ({@code .part-….parquet.crc}): Hadoop's local file system writes one beside every file,
 * which doubles the files a write into thousands of partitions creates. Files that have one, written before, are
 * still verified when read, and their checksum goes with them when they are renamed or deleted. Object stores and
 * HDFS keep their own checksums.
 */
public final class LocalFileSystemWithoutForks extends LocalFileSystem {
    public LocalFileSystemWithoutForks() {
        super(new Raw());
        setWriteChecksum(false);
    }

    /**
     * This file system for Hadoop's {@code FileContext}, in place of {@code org.apache.hadoop.fs.local.LocalFs}: the
     * same files, permissions and atomic renames (a rename onto an existing file fails), no forks, no checksum files.
     */
    public static final class Context extends DelegateToFileSystem {
        public Context(URI uri, Configuration conf) throws IOException, URISyntaxException {
            super(uri, new LocalFileSystemWithoutForks(), conf, FsConstants.LOCAL_FS_URI.getScheme(), false);
        }

        @Override
        public int getUriDefaultPort() {
            return -1;
        }

        @Override
        public FsServerDefaults getServerDefaults(Path path) throws IOException {
            return LocalConfigKeys.getServerDefaults();
        }

        @Override
        @Deprecated
        public FsServerDefaults getServerDefaults() throws IOException {
            return LocalConfigKeys.getServerDefaults();
        }

        @Override
        public boolean isValidName(String src) {
            return true;
        }
    }

    /**
     * {@link RawLocalFileSystem} with {@link #setPermission} and {@link #getFileLinkStatus} of a file that is not a
     * link through {@code java.nio}.
     */
    public static final class Raw extends RawLocalFileSystem {
        @Override
        public FileStatus getFileLinkStatus(Path path) throws IOException {
            if (Files.isSymbolicLink(pathToFile(path).toPath())) {
                return super.getFileLinkStatus(path);
            }
            return getFileStatus(path);
        }

        @Override
        public void setPermission(Path path, FsPermission permission) throws IOException {
            if (NativeIO.isAvailable()) {
                super.setPermission(path, permission);
                return;
            }
            try {
                Files.setPosixFilePermissions(pathToFile(path).toPath(), posix(permission));
            } catch (UnsupportedOperationException e) {
                super.setPermission(path, permission);
            }
        }

        private static Set<PosixFilePermission> posix(FsPermission permission) {
            Set<PosixFilePermission> bits = EnumSet.noneOf(PosixFilePermission.class);
            add(bits, permission.getUserAction(), PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE);
            add(bits, permission.getGroupAction(), PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.GROUP_EXECUTE);
            add(bits, permission.getOtherAction(), PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
                    PosixFilePermission.OTHERS_EXECUTE);
            return bits;
        }

        private static void add(Set<PosixFilePermission> bits, FsAction action, PosixFilePermission read,
                                PosixFilePermission write, PosixFilePermission execute) {
            if (action.implies(FsAction.READ)) {
                bits.add(read);
            }
            if (action.implies(FsAction.WRITE)) {
                bits.add(write);
            }
            if (action.implies(FsAction.EXECUTE)) {
                bits.add(execute);
            }
        }
    }
}
