package io.sluice.generate;

/**
 * What {@link EventGenerator} wrote; enough to check what a pipeline should make of it.
 *
 * @param events distinct event ids among the good records: the rows a deduplicated table ends with
 * @param records records written, all of them: events, extra versions, duplicates and bad records
 * @param versions extra versions: a later update, or an older version that arrives after the newer one
 * @param duplicates byte-for-byte copies of a record written earlier or later, possibly in another file
 * @param bad records no pipeline should accept: broken JSON, no event_id, or a timestamp that is no date
 * @param files files written
 * @param bytes bytes written, as stored (compressed for gzip)
 */
public record GenerationSummary(long events, long records, long versions, long duplicates, long bad, int files,
                                long bytes) {
}
