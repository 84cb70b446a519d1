package io.sluice.catalog;

import org.apache.spark.sql.types.StructType;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;

import static java.util.Objects.requireNonNull;

/**
 * What the DDL of one trusted table is made from.
 *
 * @param name the catalog name
 * @param location the table's root
 * @param delta a Delta table (else plain Parquet)
 * @param schema the table's real schema, partition columns included; empty when the table does not exist yet
 * @param partitions partition columns, in directory order
 * @param partitionValues the values each partition column has in the table (Parquet only; for partition projection)
 */
public record TableDescription(TableName name, String location, boolean delta, Optional<StructType> schema,
                               List<String> partitions, Map<String, SortedSet<String>> partitionValues) {
    public TableDescription {
        requireNonNull(name, "name is null");
        requireNonNull(location, "location is null");
        requireNonNull(schema, "schema is null");
        partitions = List.copyOf(partitions);
        partitionValues = Map.copyOf(partitionValues);
    }
}
