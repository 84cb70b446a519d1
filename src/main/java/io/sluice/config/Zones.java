package io.sluice.config;

import java.util.Optional;

/**
 * Roots of the lake's zones. Each is a URI any Hadoop FileSystem opens: a local path, {@code file:},
 * {@code s3a://}, {@code s3://} or {@code dbfs:/}.
 *
 * @param landing where raw files arrive, under {@code pending/}, and are kept, under {@code processed/}
 * @param stage typed rows, partitioned by ingestion date and hour, waiting to be distributed
 * @param trusted the tables analysts query, one per dataset
 * @param quarantine records that could not be used, with the reason
 * @param gold the tables {@code publish} derives from trusted tables for BI; when absent, {@code gold} next to
 *     the trusted zone ({@code <trusted>/../gold})
 */
public record Zones(String landing, String stage, String trusted, String quarantine, String gold) {
    /** No zone set: what a config without {@code zones} starts from before the command line's overrides. */
    public static final Zones NONE = new Zones(null, null, null, null, null);

    /** The four zones of the pipeline; the gold zone defaults to {@code gold} beside the trusted zone. */
    public Zones(String landing, String stage, String trusted, String quarantine) {
        this(landing, stage, trusted, quarantine, null);
    }

    /** Returns these zones with every non-empty override applied. */
    public Zones override(Optional<String> landing, Optional<String> stage, Optional<String> trusted,
                          Optional<String> quarantine) {
        return override(landing, stage, trusted, quarantine, Optional.empty());
    }

    /** Returns these zones with every non-empty override applied, the gold zone's included. */
    public Zones override(Optional<String> landing, Optional<String> stage, Optional<String> trusted,
                          Optional<String> quarantine, Optional<String> gold) {
        return new Zones(landing.orElse(this.landing), stage.orElse(this.stage),
                trusted.orElse(this.trusted), quarantine.orElse(this.quarantine), gold.orElse(this.gold));
    }

    /**
     * The gold zone: {@code zones.gold}, else the folder {@code gold} beside the trusted zone, e.g.
     * {@code s3://bucket/lake/gold} for a trusted zone at {@code s3://bucket/lake/trusted}.
     */
    public String goldRoot() {
        if (gold != null && !gold.isBlank()) {
            return gold;
        }
        String root = trusted.replaceAll("/+$", "");
        int slash = root.lastIndexOf('/');
        if (slash < 0) {
            return "gold";
        }
        if (slash == 0 || root.charAt(slash - 1) == '/' || root.endsWith(":")) {
            throw new ConfigException("zones.gold is missing and the trusted zone " + trusted + " has no parent"
                    + " folder to put it beside; set zones.gold in the config or pass --gold URI");
        }
        return root.substring(0, slash) + "/gold";
    }

    void validate(String source) {
        require(source, "landing", landing);
        require(source, "stage", stage);
        require(source, "trusted", trusted);
        require(source, "quarantine", quarantine);
    }

    private static void require(String source, String zone, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(source + ": zone 'zones." + zone + "' is missing; set it in the config"
                    + " or pass --" + zone + " URI");
        }
    }
}
