package io.sluice.lake;

import java.util.List;

/**
 * The Kafka offsets of one stage batch, fixed when the batch is planned and before anything is read, so a
 * retried batch reads exactly the same records. Kept beside the batch's manifest and copied into the stage
 * commit's metadata; the {@code until} offsets of the last batch are where the next one starts.
 *
 * @param seq the batch's sequence number, as in its {@link BatchManifest}
 * @param partitions every partition of the source's topics known at planning, read or not
 * @param expired records lost to retention before this batch could read them, by {@code topic/partition}
 */
public record KafkaRange(long seq, List<PartitionRange> partitions, List<ExpiredGap> expired) {

    public KafkaRange {
        partitions = List.copyOf(partitions);
        expired = expired == null ? List.of() : List.copyOf(expired);
    }

    /**
     * Offsets {@code from} (inclusive) to {@code until} (exclusive) of one partition.
     *
     * @param topic the topic
     * @param partition the partition number
     * @param from first offset read
     * @param until offset after the last one read: where the next batch starts
     */
    public record PartitionRange(String topic, int partition, long from, long until) {
        /** Records the range holds, at most (compaction and transaction markers leave holes). */
        public long size() {
            return until - from;
        }

        /** {@code kafka://<topic>/<partition>}: the source of its stage rows. */
        public String source() {
            return "kafka://" + topic + "/" + partition;
        }
    }

    /**
     * Offsets {@code committed} to {@code earliest} (exclusive) of a partition were deleted before they were read.
     */
    public record ExpiredGap(String topic, int partition, long committed, long earliest) {
        public long lost() {
            return earliest - committed;
        }
    }

    /** Records the batch holds, at most. */
    public long size() {
        return partitions.stream().mapToLong(PartitionRange::size).sum();
    }

    /** The partitions with something to read. */
    public List<PartitionRange> nonEmpty() {
        return partitions.stream().filter(p -> p.size() > 0).toList();
    }
}
