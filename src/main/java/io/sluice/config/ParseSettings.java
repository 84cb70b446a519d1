package io.sluice.config;

import java.time.Duration;

/**
 * Settings of {@code parse}.
 *
 * @param lockTimeout age after which another run's landing lock counts as abandoned (ISO-8601, e.g. PT2H)
 * @param maxBadRatio fail the run, before committing, when quarantined records exceed this share; absent is off
 */
public record ParseSettings(String lockTimeout, Double maxBadRatio) {

    /** Default of {@link #lockTimeout}. */
    public static final String LOCK_TIMEOUT_DEFAULT = "PT2H";

    public ParseSettings {
        lockTimeout = lockTimeout == null ? LOCK_TIMEOUT_DEFAULT : lockTimeout;
    }

    public Duration lockTimeoutDuration() {
        return Durations.parse("parse.lockTimeout", lockTimeout);
    }

    void validate(String source) {
        lockTimeoutDuration();
        if (maxBadRatio != null && (maxBadRatio < 0 || maxBadRatio > 1)) {
            throw new ConfigException(source + ": parse.maxBadRatio must be between 0 and 1, got " + maxBadRatio);
        }
    }
}
