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
 */
public record Zones(String landing, String stage, String trusted, String quarantine) {
    /** No zone set: what a config without {@code zones} starts from before the command line's overrides. */
    public static final Zones NONE = new Zones(null, null, null, null);

    /** Returns these zones with every non-empty override applied. */
    public Zones override(Optional<String> landing, Optional<String> stage, Optional<String> trusted,
                          Optional<String> quarantine) {
        return new Zones(landing.orElse(this.landing), stage.orElse(this.stage),
                trusted.orElse(this.trusted), quarantine.orElse(this.quarantine));
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
