package io.sluice.storage;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.local.LocalFs;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local file system without forks gives the files, directories and permissions Hadoop's own gives, without
 * checksum files; those written before are still verified, moved and deleted.
 */
class LocalFileSystemWithoutForksTest {
    @TempDir
    java.nio.file.Path dir;

    private static FileSystem fileSystem(String impl) throws IOException {
        Configuration conf = new Configuration();
        conf.set("fs.file.impl", impl);
        conf.setBoolean("fs.file.impl.disable.cache", true);
        return FileSystem.get(java.net.URI.create("file:///"), conf);
    }

    private static String permissions(java.nio.file.Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void filesAndDirectoriesGetHadoopsPermissionsAndNoChecksumFiles() throws IOException {
        FileSystem ours = fileSystem(LocalFileSystemWithoutForks.class.getName());
        FileSystem hadoops = fileSystem(org.apache.hadoop.fs.LocalFileSystem.class.getName());
        assertInstanceOf(LocalFileSystemWithoutForks.class, ours);

        for (FileSystem fs : new FileSystem[] {ours, hadoops}) {
            String name = fs == ours ? "ours" : "hadoops";
            Path file = new Path(dir.toUri().toString() + name + "/a=1/b=x'y/part-0.parquet");
            try (FSDataOutputStream out = fs.create(file)) {
                out.write(new byte[] {1, 2, 3});
            }
            fs.mkdirs(new Path(dir.toUri().toString() + name + "/explicit"), new FsPermission((short) 0750));
        }

        for (String path : new String[] {"a=1", "a=1/b=x'y", "a=1/b=x'y/part-0.parquet", "explicit"}) {
            java.nio.file.Path mine = dir.resolve("ours").resolve(path);
            assertTrue(Files.exists(mine), path);
            assertEquals(permissions(dir.resolve("hadoops").resolve(path)), permissions(mine), path);
        }
        assertTrue(Files.exists(dir.resolve("hadoops/a=1/b=x'y/.part-0.parquet.crc")));
        assertFalse(Files.exists(dir.resolve("ours/a=1/b=x'y/.part-0.parquet.crc")));
        assertEquals("rwxr-x---", permissions(dir.resolve("ours/explicit")));
        Path written = new Path(dir.toUri().toString() + "ours/a=1/b=x'y/part-0.parquet");
        assertEquals(3, ours.getFileStatus(written).getLen());
    }

    @Test
    void aChecksumWrittenBeforeIsStillVerifiedMovedAndDeleted() throws IOException {
        FileSystem ours = fileSystem(LocalFileSystemWithoutForks.class.getName());
        FileSystem hadoops = fileSystem(org.apache.hadoop.fs.LocalFileSystem.class.getName());
        Path file = new Path(dir.toUri().toString() + "old/part-0.parquet");
        try (FSDataOutputStream out = hadoops.create(file)) {
            out.write(new byte[] {1, 2, 3, 4});
        }
        java.nio.file.Path data = dir.resolve("old/part-0.parquet");
        Files.write(data, new byte[] {1, 2, 9, 4});
        assertThrows(ChecksumException.class, () -> {
            try (FSDataInputStream in = ours.open(file)) {
                in.readFully(new byte[4]);
            }
        });

        Path moved = new Path(dir.toUri().toString() + "moved/part-0.parquet");
        ours.mkdirs(moved.getParent());
        assertTrue(ours.rename(file, moved));
        assertTrue(Files.exists(dir.resolve("moved/.part-0.parquet.crc")));
        assertFalse(Files.exists(dir.resolve("old/.part-0.parquet.crc")));
        assertTrue(ours.delete(moved, false));
        assertFalse(Files.exists(dir.resolve("moved/.part-0.parquet.crc")));
        assertFalse(Files.exists(dir.resolve("moved/part-0.parquet")));
    }

    @Test
    void setPermissionSetsEveryBit() throws IOException {
        FileSystem ours = fileSystem(LocalFileSystemWithoutForks.class.getName());
        Path file = new Path(dir.toUri().toString() + "f");
        ours.create(file).close();

        for (short mode : new short[] {0777, 0640, 0400, 0123}) {
            ours.setPermission(file, new FsPermission(mode));
            assertEquals(new FsPermission(mode).toString(), permissions(dir.resolve("f")));
        }
    }

    /**
     * What Delta's log store does for each commit, through Hadoop's {@code FileContext}: a hidden temporary file, a
     * rename onto the version's name that must fail when that name exists, a read, a delete. Returns the commands
     * of the child processes started meanwhile that name a path under {@code root}.
     */
    private List<String> commitLikeDeltaAndListForks(String contextImpl, String root) throws Exception {
        Configuration conf = new Configuration();
        conf.set("fs.file.impl", LocalFileSystemWithoutForks.class.getName());
        conf.set("fs.AbstractFileSystem.file.impl", contextImpl);
        conf.setBoolean("fs.file.impl.disable.cache", true);
        java.nio.file.Path dump = dir.resolve(root + ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ProcessStart");
            recording.start();
            FileContext context = FileContext.getFileContext(java.net.URI.create("file:///"), conf);
            Path log = new Path(dir.toUri().toString() + root + "/_delta_log");
            context.mkdir(log, FsPermission.getDirDefault(), true);
            for (int version = 0; version < 2; version++) {
                Path temp = new Path(log, ".0000" + version + ".json.x'y=%.tmp");
                try (FSDataOutputStream out = context.create(temp, EnumSet.of(CreateFlag.CREATE))) {
                    out.write(("{\"commitInfo\":" + version + "}").getBytes(StandardCharsets.UTF_8));
                }
                context.rename(temp, new Path(log, "0000" + version + ".json"), Options.Rename.NONE);
            }
            Path late = new Path(log, ".00001.json.late.tmp");
            context.create(late, EnumSet.of(CreateFlag.CREATE)).close();
            assertThrows(FileAlreadyExistsException.class,
                    () -> context.rename(late, new Path(log, "00001.json"), Options.Rename.NONE));
            try (FSDataInputStream in = context.open(new Path(log, "00001.json"))) {
                assertEquals("{\"commitInfo\":1}", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            assertTrue(context.delete(late, false));
            recording.stop();
            recording.dump(dump);
        }
        return RecordingFile.readAllEvents(dump).stream()
                .map(event -> event.getString("command"))
                .filter(command -> command.contains(dir.resolve(root).toString()))
                .toList();
    }

    @Test
    void deltaLogCommitsThroughFileContextStartNoProcess() throws Exception {
        List<String> hadoops = commitLikeDeltaAndListForks(LocalFs.class.getName(), "hadoops");
        List<String> ours = commitLikeDeltaAndListForks(LocalFileSystemWithoutForks.Context.class.getName(), "ours");

        assertFalse(hadoops.isEmpty(), "Hadoop's LocalFs forks readlink on each rename");
        assertEquals(List.of(), ours);
        for (String path : new String[] {"_delta_log", "_delta_log/00000.json", "_delta_log/00001.json"}) {
            java.nio.file.Path mine = dir.resolve("ours").resolve(path);
            assertTrue(Files.exists(mine), path);
            assertEquals(permissions(dir.resolve("hadoops").resolve(path)), permissions(mine), path);
        }
        assertTrue(Files.exists(dir.resolve("hadoops/_delta_log/.00001.json.crc")));
        try (var files = Files.list(dir.resolve("ours/_delta_log"))) {
            assertEquals(List.of("00000.json", "00001.json"),
                    files.map(file -> file.getFileName().toString()).sorted().toList());
        }
    }
}
