package io.sluice.status;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The status as one self-contained HTML page: styles and charts (SVG) inline, no script, no network, so it opens
 * from a file, a mail attachment or an S3 console. Every figure carries a {@code data-figure} attribute naming it,
 * so a test (or a scraper) finds it in the rendered page; crossed thresholds are red.
 */
public final class StatusPage {
    private static final String STYLE = "body{font:14px system-ui,sans-serif;margin:24px;color:#222}"
            + "h1{font-size:20px}h2{font-size:16px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}"
            + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}"
            + "td.l,th.l{text-align:left}.bad{color:#fff;background:#c62828}.ok{color:#fff;background:#2e7d32}"
            + ".problem{color:#c62828;font-weight:bold}svg text{font-size:10px}";

    private StatusPage() {
    }

    /** Writes the page for {@code statuses} to {@code file}, creating its folder. */
    public static void write(Path file, List<LakeStatus> statuses, Thresholds thresholds) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, render(statuses, thresholds), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the status page to " + file + ": " + e.getMessage(), e);
        }
    }

    static String render(List<LakeStatus> statuses, Thresholds thresholds) {
        StringBuilder html = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>Sluice lake status</title><style>" + STYLE + "</style></head><body>");
        boolean healthy = statuses.stream().allMatch(s -> s.problems().isEmpty());
        html.append("<h1>Sluice lake status <span data-figure=\"health\" class=\"")
                .append(healthy ? "ok\">healthy" : "bad\">thresholds crossed").append("</span></h1>");
        for (LakeStatus status : statuses) {
            dataset(html, status, thresholds);
        }
        return html.append("</body></html>").toString();
    }

    private static void dataset(StringBuilder html, LakeStatus s, Thresholds thresholds) {
        String d = esc(s.dataset());
        html.append("<section data-dataset=\"").append(d).append("\"><h2>Dataset ").append(d).append(" at ")
                .append(esc(s.generatedAt())).append("</h2>");
        for (String problem : s.problems()) {
            html.append("<p class=\"problem\" data-figure=\"problem\">").append(esc(problem)).append("</p>");
        }
        LakeStatus.Pending p = s.pending();
        boolean oldPending = thresholds.maxPendingAge().isPresent() && p.oldestAgeSeconds() != null
                && p.oldestAgeSeconds() > thresholds.maxPendingAge().get().toSeconds();
        html.append("<p>Pending: <b data-figure=\"pending-files\">").append(p.files()).append("</b> files, <b"
                + " data-figure=\"pending-bytes\">").append(p.bytes()).append("</b> bytes");
        if (p.oldestAgeSeconds() != null) {
            html.append(", oldest waiting <b data-figure=\"pending-age\"").append(oldPending ? " class=\"bad\"" : "")
                    .append(">").append(Thresholds.Durations.text(p.oldestAgeSeconds())).append("</b>");
        }
        html.append("</p><h2>Steps</h2><table><tr><th class=\"l\">step</th><th>last success</th><th>lag</th>"
                + "<th class=\"l\">covered</th><th class=\"l\">waiting</th></tr>");
        for (LakeStatus.StepStatus step : s.steps()) {
            boolean late = !step.step().equals("maintain") && thresholds.maxLag().isPresent()
                    && (step.lagSeconds() == null || step.lagSeconds() > thresholds.maxLag().get().toSeconds());
            html.append("<tr data-step=\"").append(esc(step.step())).append("\"><td class=\"l\">")
                    .append(esc(step.step())).append("</td><td>").append(esc(orDash(step.lastSuccess())))
                    .append("</td><td data-figure=\"lag\"").append(late ? " class=\"bad\"" : "").append(">")
                    .append(step.lagSeconds() == null ? "never" : Thresholds.Durations.text(step.lagSeconds()))
                    .append("</td><td class=\"l\">").append(esc(orDash(step.batch()))).append("</td><td class=\"l\">")
                    .append(esc(step.waiting())).append("</td></tr>");
        }
        html.append("</table>");
        batches(html, s, thresholds);
        runs(html, s);
        html.append("<h2>Quarantine reasons</h2>");
        bars(html, "quarantine-reasons", s.quarantineReasons(), RED);
        tables(html, s, thresholds);
        html.append("</section>");
    }

    private static final String DARK = "#37474f";
    private static final String RED = "#c62828";
    private static final String GREY = "#90a4ae";

    /** Records in, quarantined and written per hour (UTC), from the recent batches and runs. */
    private record Hour(String hour, long in, long quarantined, long written) {
    }

    private static List<Hour> hours(LakeStatus s) {
        java.util.TreeMap<String, long[]> hours = new java.util.TreeMap<>();
        for (LakeStatus.BatchStatus b : s.batches()) {
            long[] h = hours.computeIfAbsent(hour(b.startedAt()), k -> new long[3]);
            h[0] += b.records() + b.quarantined();
            h[1] += b.quarantined();
        }
        for (LakeStatus.RunStatus r : s.runs()) {
            hours.computeIfAbsent(hour(r.committedAt()), k -> new long[3])[2] += r.written();
        }
        return hours.entrySet().stream().map(e -> new Hour(e.getKey(), e.getValue()[0], e.getValue()[1],
                e.getValue()[2])).toList();
    }

    private static String hour(String instant) {
        return instant.length() >= 13 ? instant.substring(0, 13) + "h" : instant;
    }

    /** A distribute run's delay: from its first batch's start to its commit. */
    private record Delay(String label, long minutes) {
    }

    private static List<Delay> delays(LakeStatus s) {
        Map<Long, String> started = new java.util.HashMap<>();
        s.batches().forEach(b -> started.put(b.seq(), b.startedAt()));
        List<Delay> delays = new java.util.ArrayList<>();
        for (LakeStatus.RunStatus r : s.runs()) {
            String first = r.batches().split("\\.\\.")[0];
            String start = started.get(Long.parseLong(first));
            if (start != null && !"null".equals(r.committedAt())) {
                long seconds = java.time.Duration.between(java.time.Instant.parse(start),
                        java.time.Instant.parse(r.committedAt())).toSeconds();
                delays.add(new Delay("v" + r.version(), Math.max(0, seconds) / 60));
            }
        }
        return delays;
    }

    private static void batches(StringBuilder html, LakeStatus s, Thresholds thresholds) {
        if (s.batches().isEmpty()) {
            return;
        }
        html.append("<h2>Hourly (UTC)</h2>");
        columns(html, "hourly", hours(s), h -> h.hour().substring(Math.max(0, h.hour().length() - 3)),
                new Series<>("records in", DARK, Hour::in), new Series<>("quarantined", RED, Hour::quarantined),
                new Series<>("written", GREY, Hour::written));
        boolean bad = thresholds.maxQuarantineRatio().isPresent()
                && s.quarantineRatio() > thresholds.maxQuarantineRatio().get();
        html.append("<h2>Recent batches</h2><p>Quarantine ratio: <b data-figure=\"quarantine-ratio\"")
                .append(bad ? " class=\"bad\"" : "").append(">")
                .append(String.format(java.util.Locale.ROOT, "%.4f", s.quarantineRatio())).append("</b></p>");
        columns(html, "records-per-batch", s.batches(), b -> Long.toString(b.seq()),
                new Series<>("records", DARK, LakeStatus.BatchStatus::records),
                new Series<>("quarantined", RED, LakeStatus.BatchStatus::quarantined));
        html.append("<table><tr><th>batch</th><th class=\"l\">started</th><th>files</th><th>records</th>"
                + "<th>quarantined</th><th>re-delivered files</th><th class=\"l\">distributed</th></tr>");
        for (LakeStatus.BatchStatus b : s.batches()) {
            html.append("<tr data-batch=\"").append(b.seq()).append("\"><td>").append(b.seq())
                    .append("</td><td class=\"l\">").append(esc(b.startedAt())).append("</td><td>").append(b.files())
                    .append("</td><td data-figure=\"records\">").append(b.records())
                    .append("</td><td data-figure=\"quarantined\">").append(b.quarantined()).append("</td><td>")
                    .append(b.redeliveredFiles()).append("</td><td class=\"l\">")
                    .append(b.distributed() ? "yes" : "no (" + esc(b.status()) + ")").append("</td></tr>");
        }
        html.append("</table>");
    }

    private static void runs(StringBuilder html, LakeStatus s) {
        if (s.runs().isEmpty()) {
            return;
        }
        html.append("<h2>Distribute runs</h2>");
        columns(html, "written-per-run", s.runs(), r -> "v" + r.version(),
                new Series<>("written", DARK, LakeStatus.RunStatus::written),
                new Series<>("duplicates", GREY, LakeStatus.RunStatus::duplicates));
        List<Delay> delays = delays(s);
        if (!delays.isEmpty()) {
            html.append("<p>Delay of each run: minutes from the start of the first batch it consumed to its trusted"
                    + " commit (lag over time)</p>");
            columns(html, "delay-per-run", delays, Delay::label, new Series<>("distribute delay, min", DARK,
                    Delay::minutes));
        }
        html.append("<table><tr><th>trusted version</th><th class=\"l\">committed</th><th>batches</th>"
                + "<th>records in</th><th>written</th><th>duplicates</th></tr>");
        for (LakeStatus.RunStatus r : s.runs()) {
            html.append("<tr data-run=\"").append(r.version()).append("\"><td>").append(r.version())
                    .append("</td><td class=\"l\">").append(esc(r.committedAt())).append("</td><td>")
                    .append(esc(r.batches())).append("</td><td>").append(r.recordsIn())
                    .append("</td><td data-figure=\"written\">").append(r.written())
                    .append("</td><td data-figure=\"duplicates\">").append(r.duplicates()).append("</td></tr>");
        }
        html.append("</table>");
    }

    private static void tables(StringBuilder html, LakeStatus s, Thresholds thresholds) {
        html.append("<h2>Tables</h2><table><tr><th class=\"l\">table</th><th>version</th><th>files</th><th>bytes</th>"
                + "<th>partitions</th><th>small files</th><th class=\"l\">most small files</th>"
                + "<th>versions since compaction</th></tr>");
        for (LakeStatus.TableHealth t : s.tables()) {
            html.append("<tr data-table=\"").append(esc(t.role())).append("\"><td class=\"l\">").append(esc(t.role()))
                    .append("</td><td>").append(t.version()).append("</td><td data-figure=\"files\">").append(t.files())
                    .append("</td><td>").append(t.bytes()).append("</td><td data-figure=\"partitions\">")
                    .append(t.partitions()).append("</td><td data-figure=\"small-files\">").append(t.smallFiles())
                    .append("</td><td data-figure=\"most-small-files\"")
                    .append(thresholds.smallFilesCrossed(t) ? " class=\"bad l\"" : " class=\"l\"").append(">")
                    .append(t.mostSmallFiles()).append(" in ").append(esc(t.partitionWithMostSmallFiles()))
                    .append("</td><td data-figure=\"versions-since-upkeep\"")
                    .append(thresholds.upkeepCrossed(t) ? " class=\"bad\"" : "").append(">")
                    .append(t.versionsSinceUpkeep()).append("</td></tr>");
        }
        html.append("</table>");
        for (LakeStatus.TableHealth t : s.tables()) {
            html.append("<h2>Files per partition: ").append(esc(t.role())).append(" (the ")
                    .append(t.busiestPartitions().size()).append(" with most)</h2>");
            bars(html, "files-per-partition", t.busiestPartitions(), DARK);
        }
        html.append("<h2>Gold freshness</h2><table><tr><th class=\"l\">gold table</th><th>trusted version</th>"
                + "<th>versions behind</th><th class=\"l\">published</th></tr>");
        for (LakeStatus.GoldStatus g : s.gold()) {
            html.append("<tr data-gold=\"").append(esc(g.name())).append("\"><td class=\"l\">").append(esc(g.name()))
                    .append("</td><td>").append(g.trustedVersion() == null ? "never" : g.trustedVersion())
                    .append("</td><td data-figure=\"versions-behind\"").append(g.versionsBehind() > 0 ? " class=\"bad\""
                            : "").append(">").append(g.versionsBehind()).append("</td><td class=\"l\">")
                    .append(esc(orDash(g.lastPublished()))).append("</td></tr>");
        }
        html.append("</table>");
    }

    /** A series of a column chart: its name, colour and value per item. */
    private record Series<T>(String name, String colour, ToLongFunction<T> value) {
    }

    /** Side-by-side columns of each series per item, in an inline SVG with a legend. */
    @SafeVarargs
    private static <T> void columns(StringBuilder html, String figure, List<T> items,
                                    java.util.function.Function<T, String> label, Series<T>... series) {
        long max = 1;
        for (T item : items) {
            for (Series<T> one : series) {
                max = Math.max(max, one.value().applyAsLong(item));
            }
        }
        int bar = 9;
        int width = series.length * (bar + 1) + 14;
        html.append("<svg data-figure=\"").append(figure).append("\" width=\"").append(Math.max(300, items.size() * width + 60))
                .append("\" height=\"160\" role=\"img\">");
        for (int i = 0; i < items.size(); i++) {
            T item = items.get(i);
            int x = 40 + i * width;
            for (int k = 0; k < series.length; k++) {
                long v = series[k].value().applyAsLong(item);
                int h = (int) (100 * v / max);
                html.append("<rect x=\"").append(x + k * (bar + 1)).append("\" y=\"").append(120 - h)
                        .append("\" width=\"").append(bar).append("\" height=\"").append(h).append("\" fill=\"")
                        .append(series[k].colour()).append("\"><title>").append(esc(series[k].name())).append(' ')
                        .append(v).append("</title></rect>");
            }
            html.append("<text x=\"").append(x).append("\" y=\"133\">").append(esc(label.apply(item)))
                    .append("</text>");
        }
        html.append("<text x=\"0\" y=\"22\">").append(max).append("</text><text x=\"0\" y=\"120\">0</text>");
        int lx = 40;
        for (Series<T> one : series) {
            html.append("<rect x=\"").append(lx).append("\" y=\"146\" width=\"9\" height=\"9\" fill=\"")
                    .append(one.colour()).append("\"/><text x=\"").append(lx + 12).append("\" y=\"155\">")
                    .append(esc(one.name())).append("</text>");
            lx += 16 + 7 * one.name().length();
        }
        html.append("</svg>");
    }

    /** Horizontal bars of counts by name, in an inline SVG. */
    private static void bars(StringBuilder html, String figure, Map<String, Long> counts, String colour) {
        if (counts.isEmpty()) {
            html.append("<p data-figure=\"").append(figure).append("\">none</p>");
            return;
        }
        long max = Math.max(1, counts.values().stream().mapToLong(Long::longValue).max().orElse(1));
        html.append("<svg data-figure=\"").append(figure).append("\" width=\"760\" height=\"")
                .append(counts.size() * 20 + 4).append("\" role=\"img\">");
        int y = 2;
        for (Map.Entry<String, Long> entry : counts.entrySet()) {
            int w = (int) (280 * entry.getValue() / max);
            html.append("<text x=\"0\" y=\"").append(y + 12).append("\">").append(esc(entry.getKey()))
                    .append("</text><rect x=\"420\" y=\"").append(y).append("\" width=\"").append(w)
                    .append("\" height=\"14\" fill=\"").append(colour).append("\"/><text x=\"").append(424 + w).append("\" y=\"")
                    .append(y + 12).append("\" data-label=\"").append(esc(entry.getKey())).append("\">")
                    .append(entry.getValue()).append("</text>");
            y += 20;
        }
        html.append("</svg>");
    }

    private static String orDash(String text) {
        return text == null ? "-" : text;
    }

    static String esc(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
