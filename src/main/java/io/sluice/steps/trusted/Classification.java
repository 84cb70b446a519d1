package io.sluice.steps.trusted;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * A batch classified against the trusted table: each deduplicated row with its {@link Action}, the table's
 * key columns of the same key beside it, and what the classification holds in counts. Cached until closed
 * (against no table, the batch's own cache serves).
 *
 * @param rows the classified rows, with the {@value Classifier#ACTION} column
 * @param counts rows per action and what the batch's own dedup collapsed
 * @param landed rows to be written per partition, in partition order
 */
public record Classification(Dataset<Row> rows, ActionCounts counts, List<PartitionRows> landed)
        implements AutoCloseable {
    public Classification {
        landed = List.copyOf(landed);
    }

    /** The rows of the given actions. */
    Dataset<Row> of(Action... actions) {
        Object[] names = java.util.Arrays.stream(actions).map(Action::name).toArray();
        return rows.filter(col(Classifier.ACTION).isin(names));
    }

    /** The rows that are written: inserts and updates. */
    Dataset<Row> written() {
        return of(Action.INSERT, Action.UPDATE);
    }

    @Override
    public void close() {
        rows.unpersist();
    }
}
