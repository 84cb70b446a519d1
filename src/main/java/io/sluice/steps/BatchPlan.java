package io.sluice.steps;

import io.sluice.storage.StoredFile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * How a backlog of landing files is cut into batches: in name order (feeds such as Firehose and Kafka Connect
 * put the time in the name, so older files go first), each batch at most {@code maxFiles} files and
 * {@code maxBytes} bytes; a file larger than {@code maxBytes} is a batch of its own.
 */
final class BatchPlan {
    private BatchPlan() {
    }

    static List<List<StoredFile>> split(List<StoredFile> files, int maxFiles, long maxBytes) {
        List<StoredFile> ordered = new ArrayList<>(files);
        ordered.sort(Comparator.comparing(StoredFile::relativePath));
        List<List<StoredFile>> batches = new ArrayList<>();
        List<StoredFile> current = new ArrayList<>();
        long bytes = 0;
        for (StoredFile file : ordered) {
            if (!current.isEmpty() && (current.size() >= maxFiles || bytes + file.size() > maxBytes)) {
                batches.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(file);
            bytes += file.size();
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }
}
