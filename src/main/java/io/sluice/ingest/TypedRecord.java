package io.sluice.ingest;

import java.util.Optional;

/**
 * One input record after typing against its dataset profile: either the typed values, in the profile's
 * column order, or the reason it cannot be used.
 */
public record TypedRecord(Object[] values, String rejection) {

    public static TypedRecord accepted(Object[] values) {
        return new TypedRecord(values, null);
    }

    public static TypedRecord rejected(String reason) {
        return new TypedRecord(null, reason);
    }

    public Optional<String> rejectionReason() {
        return Optional.ofNullable(rejection);
    }
}
