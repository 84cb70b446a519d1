package io.sluice.config;

import java.util.Locale;

/** Sizes as people write them: a number of bytes, or with a binary unit {@code k}, {@code m}, {@code g}, {@code t}. */
public final class ByteSizes {
    private static final String UNITS = "kmgt";

    private ByteSizes() {
    }

    /** @param key the setting or option named in the error */
    public static long parse(String key, String text) {
        String normalized = text.strip().toLowerCase(Locale.ROOT);
        if (normalized.endsWith("b")) {
            normalized = normalized.substring(0, normalized.length() - 1);
        }
        int unit = normalized.isEmpty() ? -1 : UNITS.indexOf(normalized.charAt(normalized.length() - 1));
        String digits = unit < 0 ? normalized : normalized.substring(0, normalized.length() - 1).strip();
        try {
            return Math.multiplyExact(Long.parseLong(digits), 1L << (10 * (unit + 1)));
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigException(key + ": '" + text + "' is not a size; write e.g. 2g, 512m or 1048576", e);
        }
    }
}
