package io.sluice.storage;

import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Hadoop's local file system ({@code file:}), setting permissions through {@code java.nio} instead of a forked
 * {@code chmod}.
 * <p>
 * Without Hadoop's native library — the usual case outside a Hadoop cluster — {@link RawLocalFileSystem} runs
 * {@code chmod} as a child process for every file and directory it creates, and again for each checksum file. A
 * Delta or Parquet write into thousands of partitions spends most of its time there: thread dumps of a local
 * {@code distribute} into ~6,000 partitions showed the writing tasks in {@code Shell.runCommand} in 15 of 16
 * samples. Setting the same permission bits through the JDK gives the same files at the cost of a system call.
 * Where the JDK cannot (a file system without POSIX permissions), or where the native library is loaded, Hadoop's own
 * way is used.
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

    /** {@link RawLocalFileSystem} with {@link #setPermission} through {@code java.nio}. */
    public static final class Raw extends RawLocalFileSystem {
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
