package io.sluice.history;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of {@code backfill-history copy}.
 *
 * @param from source prefix
 * @param to target prefix
 * @param folders each folder copied, in name order
 * @param missingAtSource expected folders (from {@code --folders} or the profile's {@code history.expectedFolders})
 *                        that the source does not have
 * @param duration wall time
 */
public record CopyResult(String from, String to, List<FolderCopy> folders, List<String> missingAtSource,
                         Duration duration) {
    public CopyResult {
        folders = List.copyOf(folders);
        missingAtSource = List.copyOf(missingAtSource);
    }

    /** True when every expected folder exists and every folder is complete at the target. */
    public boolean complete() {
        return missingAtSource.isEmpty() && folders.stream().allMatch(FolderCopy::complete);
    }

    public long copied() {
        return folders.stream().mapToLong(FolderCopy::copied).sum();
    }

    public long skipped() {
        return folders.stream().mapToLong(FolderCopy::skipped).sum();
    }

    public long failed() {
        return folders.stream().mapToLong(FolderCopy::failed).sum();
    }

    public long sourceObjects() {
        return folders.stream().mapToLong(FolderCopy::sourceObjects).sum();
    }

    public long sourceBytes() {
        return folders.stream().mapToLong(FolderCopy::sourceBytes).sum();
    }
}
