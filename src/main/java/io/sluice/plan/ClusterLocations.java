package io.sluice.plan;

import io.sluice.config.ConfigException;

import java.util.Locale;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * What a cluster can read. A plan writes the history's root, the config and the jar into every step or task; a
 * path of the planning machine there fails on the cluster, an hour after submitting, so plan refuses it first.
 */
public final class ClusterLocations {
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");

    private ClusterLocations() {
    }

    /** Whether a {@code platform} cluster can read {@code location}: a URI of shared storage, or a Databricks path. */
    public static boolean readable(Platform platform, String location) {
        requireNonNull(location, "location is null");
        String lower = location.toLowerCase(Locale.ROOT);
        if (lower.startsWith("file:")) {
            return false;
        }
        if (SCHEME.matcher(location).matches()) {
            return true;
        }
        return platform == Platform.DATABRICKS && (location.startsWith("/Volumes/") || location.startsWith("/Workspace/"));
    }

    /**
     * Fails with a message naming {@code option} when a {@code platform} cluster cannot read {@code location}.
     *
     * @param option the option the value came from, such as {@code --source}
     * @param remedy what to pass instead, such as {@code pass --cluster-source with the history's root}
     */
    public static void requireReadable(Platform platform, String option, String location, String remedy,
                                       String example) {
        if (!readable(platform, location)) {
            String cluster = platform == Platform.EMR ? "an EMR cluster" : "a Databricks cluster";
            throw new ConfigException(option + " " + location + " is a path on this machine, which " + cluster
                    + " cannot read; " + remedy + " as the cluster reads it (for example " + example + ")");
        }
    }

    /**
     * Fails when a Databricks job would install the jar from the DBFS root: library installs from DBFS are disabled
     * by default from Databricks Runtime 15.0 and removed from 16.0.
     */
    public static void requireDatabricksLibrary(String jar) {
        String lower = jar.toLowerCase(Locale.ROOT);
        if (lower.startsWith("dbfs:/") && !lower.startsWith("dbfs:/volumes/")) {
            throw new ConfigException("--jar " + jar + " is in the DBFS root, from which Databricks Runtime 16.0 and"
                    + " later install no libraries; upload the jar to a Unity Catalog volume and pass"
                    + " --jar /Volumes/<catalog>/<schema>/<volume>/sluice.jar (or a workspace file or cloud storage"
                    + " URI)");
        }
    }
}
