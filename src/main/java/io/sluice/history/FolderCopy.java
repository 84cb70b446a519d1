package io.sluice.history;

import java.util.List;

/**
 * How one history folder was copied and what the target holds afterwards.
 *
 * @param folder the folder's name below the source prefix; empty for objects directly under it
 * @param sourceObjects objects listed at the source
 * @param sourceBytes their bytes
 * @param copied objects copied by this run
 * @param skipped objects already at the target with the same size and ETag (an earlier run's work)
 * @param failed objects whose copy failed
 * @param targetObjects objects of the source found at the target afterwards, with the source's size
 * @param targetBytes their bytes
 * @param problems what is wrong, one line each, a sample of at most {@value #SAMPLE} objects per kind
 */
public record FolderCopy(String folder, long sourceObjects, long sourceBytes, long copied, long skipped, long failed,
                         long targetObjects, long targetBytes, List<String> problems) {
    /** Objects a problem line names at most. */
    public static final int SAMPLE = 5;

    public FolderCopy {
        problems = List.copyOf(problems);
    }

    /** Everything at the source is at the target, same count, same bytes. */
    public boolean complete() {
        return failed == 0 && problems.isEmpty() && targetObjects == sourceObjects && targetBytes == sourceBytes;
    }

    /** The folder as people name it. */
    public String label() {
        return folder.isEmpty() ? "(top level)" : folder;
    }
}
