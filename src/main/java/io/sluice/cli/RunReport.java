package io.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.report.ReportJson;
import io.sluice.report.StepResult;
import io.sluice.report.StepResult.FileCounts;
import io.sluice.report.StepResult.RecordCounts;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The report of a run: a short human summary, and the JSON a scheduler or a test reads. */
final class RunReport {
    private static final ObjectMapper JSON = ReportJson.MAPPER;

    private RunReport() {
    }

    static void print(PrintWriter out, List<StepResult> steps) {
        for (StepResult step : steps) {
            FileCounts f = step.files();
            RecordCounts r = step.records();
            out.printf("%-12s %-8s files: %d seen, %d parsed, %d moved, %d skipped | records: %d read, %d valid,"
                            + " %d quarantined, %d duplicates, %d written | %.1f s%n",
                    step.step(), step.dataset(), f.seen(), f.parsed(), f.moved(), f.skipped(), r.read(), r.valid(),
                    r.quarantined(), r.duplicates(), r.written(), step.durationMs() / 1000.0);
            if (!step.details().isEmpty()) {
                StringBuilder line = new StringBuilder("             ");
                step.details().forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
                out.println(line);
            }
            step.notes().forEach(note -> out.println("  - " + note));
        }
        out.flush();
    }

    static void write(Path file, String command, String dataset, String status, Instant startedAt, long durationMs,
                      List<StepResult> steps, String error) {
        ObjectNode root = JSON.createObjectNode();
        root.put("command", command);
        root.put("dataset", dataset);
        root.put("status", status);
        root.put("startedAt", startedAt.toString());
        root.put("durationMs", durationMs);
        FileCounts files = steps.stream().map(StepResult::files).reduce(FileCounts.NONE, FileCounts::plus);
        RecordCounts records = steps.stream().map(StepResult::records).reduce(RecordCounts.NONE, RecordCounts::plus);
        root.set("files", JSON.valueToTree(files));
        root.set("records", JSON.valueToTree(records));
        if (error != null) {
            root.put("error", error);
        }
        ArrayNode stepNodes = root.putArray("steps");
        for (StepResult step : steps) {
            ObjectNode node = stepNodes.addObject();
            node.put("step", step.step());
            node.put("startedAt", step.startedAt().toString());
            node.put("durationMs", step.durationMs());
            node.set("files", JSON.valueToTree(step.files()));
            node.set("records", JSON.valueToTree(step.records()));
            ObjectNode details = node.putObject("details");
            for (Map.Entry<String, Long> detail : step.details().entrySet()) {
                details.put(detail.getKey(), detail.getValue());
            }
            ArrayNode notes = node.putArray("notes");
            step.notes().forEach(notes::add);
        }
        ReportFile.write(file, root);
    }
}
