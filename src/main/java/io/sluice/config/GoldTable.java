package io.sluice.config;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A gold table of a dataset: the result of a Spark SQL query over the dataset's trusted table, kept by
 * {@code publish} in the gold zone, one row per value of its keys.
 *
 * @param query Spark SQL over a view named after the dataset (e.g. {@code FROM events}) that holds the whole
 *     trusted table; each row of the result belongs to the group its keys name, and a trusted row may only
 *     contribute to the groups its own values lead to (a GROUP BY, a latest-per-key window), so that a change
 *     of a trusted row touches only the groups the row was and is in
 * @param keys columns of the result that identify a group; unique in the result
 * @param partitions partition columns of the gold table, among {@code keys}
 * @param table optional catalog name, {@code db.name}, registered after each publish
 */
public record GoldTable(String query, List<String> keys, List<String> partitions, String table) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public GoldTable {
        keys = keys == null ? List.of() : List.copyOf(keys);
        partitions = partitions == null ? List.of() : List.copyOf(partitions);
    }

    public Optional<String> tableName() {
        return Optional.ofNullable(table).filter(t -> !t.isBlank());
    }

    void validate(String at, String name) {
        if (!NAME.matcher(name).matches()) {
            throw new ConfigException(at + ": gold table name '" + name + "' must be letters, digits and _"
                    + " (it names a folder of the gold zone)");
        }
        if (query == null || query.isBlank()) {
            throw new ConfigException(at + "." + name + ".query is missing; give the Spark SQL that computes the"
                    + " table");
        }
        if (keys.isEmpty()) {
            throw new ConfigException(at + "." + name + ".keys is missing; list the result columns that identify a"
                    + " group (the GROUP BY columns, or the entity's key)");
        }
        for (String partition : partitions) {
            if (!keys.contains(partition)) {
                throw new ConfigException(at + "." + name + ".partitions: '" + partition + "' is not one of the keys "
                        + keys + "; a group must live in one partition");
            }
        }
    }
}
