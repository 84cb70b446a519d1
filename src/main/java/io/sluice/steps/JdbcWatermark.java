package io.sluice.steps;

import io.sluice.config.FieldType;
import io.sluice.config.Source;
import org.apache.spark.sql.Column;

import java.sql.Timestamp;
import java.time.Instant;

import static org.apache.spark.sql.functions.lit;

/**
 * The kind of a JDBC source's watermark column, and how its values are compared, stepped back by the overlap and
 * turned into typed literals for the filters Spark pushes to the database. Values travel as text in a
 * {@link io.sluice.lake.JdbcRange}: ISO-8601 instants, or decimal numbers.
 */
enum JdbcWatermark {
    /** A timestamp that grows on every insert and update ({@code updated_at}); the overlap is a duration. */
    INSTANT {
        @Override
        String text(Object greatest) {
            return (greatest instanceof Instant instant ? instant : ((Timestamp) greatest).toInstant()).toString();
        }

        @Override
        String lowerBound(String committed, Source source) {
            return Instant.parse(committed).minus(source.overlapDuration()).toString();
        }

        @Override
        Column literal(String text) {
            return lit(Timestamp.from(Instant.parse(text)));
        }

        @Override
        int compare(String a, String b) {
            return Instant.parse(a).compareTo(Instant.parse(b));
        }
    },
    /**
     * A number that grows on every insert and update: SQL Server's {@code rowversion} cast to {@code bigint} in the
     * source query, or a change counter kept by a trigger or a sequence; the overlap is a count of versions.
     */
    NUMBER {
        @Override
        String text(Object greatest) {
            return Long.toString(((Number) greatest).longValue());
        }

        @Override
        String lowerBound(String committed, Source source) {
            return Long.toString(Long.parseLong(committed) - source.overlapVersions());
        }

        @Override
        Column literal(String text) {
            return lit(Long.parseLong(text));
        }

        @Override
        int compare(String a, String b) {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        }
    };

    /** The watermark of a column declared as {@code type}; the config allows only these two. */
    static JdbcWatermark of(FieldType type) {
        return type == FieldType.LONG ? NUMBER : INSTANT;
    }

    /** The text of the greatest watermark the database returned. */
    abstract String text(Object greatest);

    /** The inclusive lower bound of the next read: the committed watermark less the overlap. */
    abstract String lowerBound(String committed, Source source);

    /** A typed literal of {@code text}, for a Column filter. */
    abstract Column literal(String text);

    abstract int compare(String a, String b);
}
