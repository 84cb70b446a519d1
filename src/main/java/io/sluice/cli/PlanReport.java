package io.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.plan.BackfillPlan;
import io.sluice.plan.ClusterSizing;
import io.sluice.plan.FolderScan;
import io.sluice.plan.Platform;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The JSON report of a backfill plan: the folders found, missing and stray, the sizing, the files written. */
final class PlanReport {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private PlanReport() {
    }

    static void write(Path file, Platform platform, BackfillPlan plan, FolderScan scan,
                      Optional<ClusterSizing> sizing, List<Path> written) {
        ObjectNode root = JSON.createObjectNode();
        root.put("command", "backfill-history plan");
        root.put("dataset", plan.dataset());
        root.put("platform", platform.name().toLowerCase(Locale.ROOT));
        root.put("source", scan.source());
        root.put("clusters", plan.clusters());
        root.set("found", JSON.valueToTree(scan.found()));
        root.set("missing", JSON.valueToTree(scan.missing()));
        root.set("anomalies", JSON.valueToTree(scan.anomalies()));
        sizing.ifPresent(s -> root.set("sparkProperties", JSON.valueToTree(s.sparkProperties())));
        root.set("files", JSON.valueToTree(written.stream().map(Path::toString).toList()));
        ReportFile.write(file, root);
    }
}
