package io.sluice.lake;

/**
 * The watermark range of one JDBC stage batch, fixed when the batch is planned and before anything is read: the
 * rows whose watermark is at or after {@code from} (the committed watermark minus the overlap; none on the first
 * read or a full refresh) and at or before {@code until} (the greatest watermark in the source at planning). The
 * {@code until} of the last batch is the committed watermark. Instants as ISO-8601 UTC text.
 *
 * @param seq the batch's sequence number, as in its {@link BatchManifest}
 * @param from inclusive lower bound, or null to read from the start
 * @param until inclusive upper bound, or null when the source held no row with a watermark
 * @param fullRefresh whether the batch reads the whole source regardless of the committed watermark
 */
public record JdbcRange(long seq, String from, String until, boolean fullRefresh) {
}
