package io.sluice.plan;

import io.sluice.config.History;
import io.sluice.storage.Storage;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * What the top level of a history source holds, against the dataset's history layout.
 *
 * @param source the listed URI
 * @param found folders whose name matches the folder pattern, sorted: the work to plan
 * @param missing expected folders that are not there, in the order the profile expects them
 * @param anomalies entries that are not a matching folder (stray files, folders of another layout), sorted
 */
public record FolderScan(String source, List<String> found, List<String> missing, List<String> anomalies) {

    public FolderScan {
        requireNonNull(source, "source is null");
        found = List.copyOf(found);
        missing = List.copyOf(missing);
        anomalies = List.copyOf(anomalies);
    }

    /** Lists only the top level of {@code source}, so a history of hundreds of folders scans in seconds. */
    public static FolderScan of(Storage storage, String source, History history) {
        requireNonNull(storage, "storage is null");
        requireNonNull(history, "history is null");
        Pattern pattern = Pattern.compile(history.folderPattern());
        Set<String> directories = new HashSet<>(storage.listDirectories(source));
        List<String> found = new ArrayList<>();
        List<String> anomalies = new ArrayList<>();
        for (String name : storage.listNames(source)) {
            if (directories.contains(name) && pattern.matcher(name).matches()) {
                found.add(name);
            } else {
                anomalies.add(directories.contains(name) ? name + "/" : name);
            }
        }
        Set<String> present = new HashSet<>(found);
        List<String> missing = history.expandedExpectedFolders().stream()
                .filter(name -> !present.contains(name))
                .toList();
        return new FolderScan(source, found, missing, anomalies);
    }
}
