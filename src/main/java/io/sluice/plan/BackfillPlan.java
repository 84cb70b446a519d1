package io.sluice.plan;

import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The work of a history backfill: which folders to run, over how many clusters, and the arguments every run
 * gets.
 *
 * @param dataset dataset profile the runs use
 * @param source URI of the history, whose top-level folders are the units of work
 * @param config config path the runs read, as the cluster sees it
 * @param jar URI of the Sluice jar the cluster runs
 * @param folders folder names to run, in order
 * @param clusters clusters the folders are spread over, round-robin
 */
public record BackfillPlan(String dataset, String source, String config, String jar, List<String> folders,
                           int clusters) {
    /** Main class every platform starts. */
    public static final String MAIN_CLASS = "io.sluice.cli.Sluice";

    public BackfillPlan {
        requireNonNull(dataset, "dataset is null");
        requireNonNull(source, "source is null");
        requireNonNull(config, "config is null");
        requireNonNull(jar, "jar is null");
        folders = List.copyOf(folders);
        if (clusters < 1) {
            throw new IllegalArgumentException("clusters must be positive, got " + clusters);
        }
    }

    /** The Sluice arguments that backfill one folder. */
    public List<String> runArguments(String folder) {
        return List.of("backfill-history", "run", "--folder", folder, "--source", source, "--dataset", dataset,
                "--config", config);
    }

    /** The folders of each cluster, cluster 1 first: folder i goes to cluster i mod {@link #clusters()}. */
    public List<List<String>> foldersByCluster() {
        List<List<String>> byCluster = new ArrayList<>();
        for (int k = 0; k < clusters; k++) {
            byCluster.add(new ArrayList<>());
        }
        for (int i = 0; i < folders.size(); i++) {
            byCluster.get(i % clusters).add(folders.get(i));
        }
        return byCluster.stream().map(List::copyOf).toList();
    }
}
