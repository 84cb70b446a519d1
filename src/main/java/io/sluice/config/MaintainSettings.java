package io.sluice.config;

import java.time.Duration;

/**
 * Settings of {@code maintain}.
 *
 * @param vacuumRetention how long files a table no longer references stay on storage (ISO-8601): time travel and
 *                        readers running for less than this are never broken by a VACUUM
 */
public record MaintainSettings(String vacuumRetention) {

    /** Default of {@link #vacuumRetention}: Delta's own default, a week. */
    public static final String VACUUM_RETENTION_DEFAULT = "P7D";
    /** The shortest retention Delta accepts without switching off its safety check. */
    public static final Duration VACUUM_RETENTION_MIN = Duration.ofDays(7);

    public MaintainSettings {
        vacuumRetention = vacuumRetention == null ? VACUUM_RETENTION_DEFAULT : vacuumRetention;
    }

    public Duration vacuumRetentionDuration() {
        return Durations.parse("maintain.vacuumRetention", vacuumRetention);
    }

    void validate(String source) {
        checkRetention(vacuumRetentionDuration(), source + ": maintain.vacuumRetention");
    }

    /** Refuses a retention shorter than Delta's safety check allows, naming {@code where} it came from. */
    public static void checkRetention(Duration retention, String where) {
        if (retention.compareTo(VACUUM_RETENTION_MIN) < 0) {
            throw new ConfigException(where + " is " + retention + ", shorter than the 7 days Delta keeps removed"
                    + " files by default (delta.deletedFileRetentionDuration): a VACUUM that short can break time"
                    + " travel and queries still running. Give P7D or more");
        }
    }
}
