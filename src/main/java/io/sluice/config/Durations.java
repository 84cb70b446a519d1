package io.sluice.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;

final class Durations {
    private Durations() {
    }

    static Duration parse(String key, String text) {
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new ConfigException(key + ": '" + text + "' is not an ISO-8601 duration; write e.g. PT2H,"
                    + " PT30M or P7D", e);
        }
    }
}
