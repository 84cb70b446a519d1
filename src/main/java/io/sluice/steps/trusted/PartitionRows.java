package io.sluice.steps.trusted;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Rows written into one partition of the trusted table.
 *
 * @param values the partition's values, in the order of the profile's partition columns (null allowed)
 * @param rows rows written there
 */
public record PartitionRows(List<Object> values, long rows) {
    public PartitionRows {
        values = Collections.unmodifiableList(new ArrayList<>(values));
    }

    /** {@code a=1/b=x: 3 rows}, for the human summary. */
    public String describe(List<String> columns) {
        StringBuilder line = new StringBuilder("landed ");
        for (int p = 0; p < columns.size(); p++) {
            line.append(p == 0 ? "" : "/").append(columns.get(p)).append('=').append(values.get(p));
        }
        return line.append(": ").append(rows).append(" rows").toString();
    }

    /** Orders partitions by their values: nulls first, numbers as numbers, the rest as text. */
    static int compare(PartitionRows a, PartitionRows b) {
        for (int i = 0; i < a.values.size(); i++) {
            Object x = a.values.get(i);
            Object y = b.values.get(i);
            int order;
            if (x == null || y == null) {
                order = x == null ? (y == null ? 0 : -1) : 1;
            } else if (x instanceof Number n && y instanceof Number m) {
                order = Double.compare(n.doubleValue(), m.doubleValue());
            } else {
                order = x.toString().compareTo(y.toString());
            }
            if (order != 0) {
                return order;
            }
        }
        return 0;
    }
}
