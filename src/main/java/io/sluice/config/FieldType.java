package io.sluice.config;

/** Type a dataset profile declares for a top-level field of its records. */
public enum FieldType {
    /** Text; a number or boolean in the input is kept as its JSON text, so types never flip. */
    STRING,
    /** An instant: ISO-8601 text with optional offset (none means the profile's zone), or epoch millis. */
    TIMESTAMP,
    /** A 64-bit integer. */
    LONG,
    /** A double. */
    DOUBLE,
    /** true or false. */
    BOOLEAN,
    /** Any JSON value kept whole as compact JSON text: every key and value recoverable. */
    JSON
}
