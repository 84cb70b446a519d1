package io.sluice.ingest;

import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;

import java.io.Serializable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a read's rows add up to, per file and split, kept by the tasks that emit them: so the parse step knows each
 * file's counts, fingerprint and damage, and each split's length, from the pass that writes the rows, without
 * reading them again. Each task reports its tally once it has emitted its last row; Spark merges a result task's
 * accumulator updates once per partition, and {@link #complete} is empty unless exactly one tally came from every
 * task of the read (a read evaluated twice, or a task cut short, leaves the counting to a query over the rows).
 */
public final class ReadTally implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern NOT_TEXT = Pattern.compile(LandingText.NOT_TEXT_PATTERN);

    private final CollectionAccumulator<Part> parts;
    private final int tasks;

    ReadTally(SparkSession spark, int tasks) {
        this.parts = spark.sparkContext().collectionAccumulator("sluice read tally");
        this.tasks = tasks;
    }

    /**
     * One split of a file (a file read whole is its split 0; the fingerprinting pass of a split file is split -1).
     *
     * @param records rows that are records, good or bad
     * @param valid records without an error
     * @param bad rows with an error
     * @param lines the lines the split read, from its split-end row; null without one
     * @param fingerprint the file's SHA-256, from its file-end row; null on other splits
     * @param damage why the file could not be read to its end; null if it could
     */
    public record Split(long records, long valid, long bad, Long lines, String fingerprint, String damage)
            implements Serializable {
        /** Both splits' counts; the greater of their fingerprints, damages and lengths. */
        public Split add(Split other) {
            return new Split(records + other.records, valid + other.valid, bad + other.bad,
                    lines == null ? other.lines : other.lines == null ? lines : Long.valueOf(Math.max(lines,
                            other.lines)), greater(fingerprint, other.fingerprint), greater(damage, other.damage));
        }
    }

    /** Each file's splits, by file, then split number. */
    public record Counts(Map<String, TreeMap<Integer, Split>> files) {
    }

    /** The counts of the whole read, if every task reported exactly once. */
    public Optional<Counts> complete() {
        List<Part> reported = parts.value();
        Set<Integer> seen = new HashSet<>();
        Map<String, TreeMap<Integer, Split>> files = new TreeMap<>();
        for (Part part : reported) {
            if (!seen.add(part.task)) {
                return Optional.empty();
            }
            part.splits.forEach((file, splits) -> splits.forEach((split, counts) ->
                    files.computeIfAbsent(file, f -> new TreeMap<>()).merge(split, counts, Split::add)));
        }
        return seen.size() == tasks ? Optional.of(new Counts(files)) : Optional.empty();
    }

    /** Counts rows of one task as they pass, with the columns at the indexes of {@link ParsedRecords#schema}. */
    Counter counter(int fileAt) {
        return new Counter(fileAt);
    }

    /** One task's tally, reported when its rows end. */
    final class Counter {
        private final int fileAt;
        private final Map<String, Map<Integer, Tallying>> splits = new HashMap<>();
        private boolean reported;

        private Counter(int fileAt) {
            this.fileAt = fileAt;
        }

        void count(Row row) {
            Tallying split = splits.computeIfAbsent(row.getString(fileAt), f -> new HashMap<>())
                    .computeIfAbsent(row.getInt(fileAt + 6), s -> new Tallying());
            long index = row.getLong(fileAt + 2);
            String error = row.isNullAt(fileAt + 4) ? null : row.getString(fileAt + 4);
            if (index >= 0) {
                split.records++;
                if (error == null) {
                    split.valid++;
                }
            }
            if (error != null) {
                split.bad++;
                if (isDamage(error)) {
                    split.damage = greater(split.damage, error);
                }
            }
            if (index == ParsedRecords.SPLIT_END_INDEX) {
                long lines = row.getLong(fileAt + 3);
                split.lines = split.lines == null ? lines : Math.max(split.lines, lines);
            }
            if (!row.isNullAt(fileAt + 1)) {
                split.fingerprint = greater(split.fingerprint, row.getString(fileAt + 1));
            }
        }

        void end() {
            TaskContext context = TaskContext.get();
            if (!reported && context != null) {
                reported = true;
                Map<String, Map<Integer, Split>> done = new HashMap<>();
                splits.forEach((file, bySplit) -> bySplit.forEach((number, t) -> done
                        .computeIfAbsent(file, f -> new HashMap<>())
                        .put(number, new Split(t.records, t.valid, t.bad, t.lines, t.fingerprint, t.damage))));
                parts.add(new Part(context.partitionId(), done));
            }
        }
    }

    private static final class Tallying {
        long records;
        long valid;
        long bad;
        Long lines;
        String fingerprint;
        String damage;
    }

    /** {@link ParsedRecords#isDamage} of one reason. */
    static boolean isDamage(String error) {
        return ParsedRecords.DAMAGE_PREFIXES.stream().anyMatch(error::startsWith) || NOT_TEXT.matcher(error).find();
    }

    private static String greater(String a, String b) {
        return a == null ? b : b == null || a.compareTo(b) >= 0 ? a : b;
    }

    private record Part(int task, Map<String, Map<Integer, Split>> splits) implements Serializable {
    }
}
